"""`{% select_options %}` writes options escaped as `{{ }}` would, the chosen one selected."""

from django.template import Context, Template
from django.utils.html import escape
from django.utils.translation import gettext_lazy


def _render(choices, chosen) -> str:
    template = Template("{% load options %}{% select_options choices chosen %}")
    return template.render(Context({"choices": choices, "chosen": chosen}))


def test_values_and_labels_are_escaped_and_the_chosen_one_is_selected():
    hostile = '<script>alert("x")</script> & O\'Brien'
    html = _render([("", "Any"), (7, hostile), ('"><b>', gettext_lazy("Lazy label"))], 7)
    assert "<script>" not in html and "<b>" not in html
    assert f'<option value="7" selected>{escape(hostile)}</option>' in html
    assert '<option value="&quot;&gt;&lt;b&gt;">Lazy label</option>' in html
    assert '<option value="">Any</option>' in html and html.count("selected") == 1


def test_groups_are_written_with_their_heading_escaped():
    html = _render([("A & B", [(1, "One"), (2, "Two")])], "2")
    assert html == (
        '<optgroup label="A &amp; B"><option value="1">One</option>'
        '<option value="2" selected>Two</option></optgroup>'
    )
