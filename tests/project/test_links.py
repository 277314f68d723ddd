"""safeguarding.links.link gives what reverse() gives, for every URL the row tags write."""

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from safeguarding.links import link

NAMES = {  # name: how many ids (the links the row-writing tags make)
    "contact": 1, "case": 1, "check": 1, "action-close": 1, "link-match": 1,
    "missing-profile": 1, "assessments": 1, "inbox-acknowledge": 1, "entry-amend": 2,
}  # fmt: skip


@pytest.mark.parametrize("ids", [(0,), (7,), (123456789,), (2**62,)])
def test_each_link_is_what_reverse_gives(ids):
    for name, arity in NAMES.items():
        args = (ids * arity)[:arity] if arity == 1 else (ids[0], ids[0] + 3)
        assert link(name, *args) == reverse(name, args=args), name


def test_a_link_follows_the_script_prefix():
    try:
        set_script_prefix("/hub/")
        assert link("case", 5) == reverse("case", args=[5])
        assert link("case", 5).startswith("/hub/")
    finally:
        set_script_prefix("/")
    assert not link("case", 5).startswith("/hub/")


def test_what_is_not_a_whole_number_goes_through_reverse():
    with pytest.raises(NoReverseMatch):
        link("case", "x")
    with pytest.raises(NoReverseMatch):
        link("case", -1)
    with pytest.raises(NoReverseMatch):
        link("case", 1, 2)  # reverse's own error for the wrong number of ids
