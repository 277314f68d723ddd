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


def test_a_select_written_again_is_the_same_and_follows_a_change_in_its_options():
    """The options are kept once written (the triage screen's colleagues): the same pairs
    and choice give the same options, other pairs or another choice their own, and groups
    (lists, which cannot be kept) are still written."""
    template = Template("{% load options %}{% select_options choices chosen %}")
    people = [("1", "Ann Example"), ("2", "Bea <Example>")]
    first = template.render(Context({"choices": people, "chosen": "1"}))
    assert template.render(Context({"choices": list(people), "chosen": "1"})) == first
    renamed = template.render(
        Context({"choices": [("1", "Ann Renamed"), people[1]], "chosen": "1"})
    )
    assert "Ann Renamed" in renamed and "Ann Example" not in renamed
    other = template.render(Context({"choices": people, "chosen": "2"}))
    assert '<option value="2" selected>Bea &lt;Example&gt;</option>' in other
    grouped = [("Team", [("1", "Ann")]), ("Others", [("2", "Bea")])]
    written = template.render(Context({"choices": grouped, "chosen": "2"}))
    assert '<optgroup label="Others"><option value="2" selected>Bea</option></optgroup>' in written
