"""`{% select_options choices chosen %}`: a select's options, written in one pass.

A loop in the template costs a variable lookup, a filter and an `if` per option, and the
MASH's selects list every colleague (130 people in a county): on the triage screen that
was a third of the page's rendering (issue 18). The value and label are escaped here, as
`{{ }}` would (Python's html.escape, which Django's `escape` calls, without its lazy
wrapper); `chosen` is compared as a string, as the browser sends it back.
"""

import functools
from collections.abc import Iterable
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def text(value) -> str:
    """`value` escaped as `{{ value }}` would write it: Python's html.escape, which Django's
    escape calls, without its lazy wrapper's and format_html's checks on every value (most
    of a row-writing tag's time: cases/templatetags/chronology.py, triage_rows.py)."""
    return escape(str(value))


def _option(value, label, chosen: str) -> str:
    value = "" if value is None else str(value)
    selected = " selected" if value == chosen else ""
    return f'<option value="{text(value)}"{selected}>{text(label)}</option>'


@register.simple_tag
def select_options(choices: Iterable, chosen=None) -> SafeString:
    chosen = "" if chosen is None else str(chosen)
    # The same colleagues' select is written on every request of a MASH's triage screen: kept
    # by its pairs and the chosen value, as written (the pairs are the key, so a colleague
    # added or renamed is a new entry, never a stale one).
    choices = tuple(choices)
    try:
        return _written(choices, chosen)
    except TypeError:  # a group's options as a list, unhashable: written each time
        return _written.__wrapped__(choices, chosen)


@functools.lru_cache(maxsize=256)
def _written(choices: tuple, chosen: str) -> SafeString:
    html = []
    for value, label in choices:
        if isinstance(label, (list, tuple)):  # a group: (heading, [(value, label), ...])
            inner = "".join(_option(v, text, chosen) for v, text in label)
            html.append(f'<optgroup label="{text(value)}">{inner}</optgroup>')
        else:
            html.append(_option(value, label, chosen))
    return mark_safe("\n".join(html))  # noqa: S308 - every part escaped above
