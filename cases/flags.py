"""What is happening to a child now, said in a few flags: missing, placement, risk, the
return home interview, notices not taken in, checks outstanding (issue 17).

A `Flag` is one line of the case page's "At a glance" strip and, where it is worth a
warning (`in_lists`), a tag beside the child in the lists. The flags come from several
apps (`missing`, `notifications`, `triage` sit above `cases`), so each registers a
provider with `cases.registry.add_case_flags`; `cases.registry.case_flags` asks them all
for many cases at once, in a constant number of queries.
"""

from dataclasses import dataclass

# The order the strip lists flags in: what is most urgent for the child first.
ORDER = ("missing", "repeat", "placement", "risk", "interview", "actions", "notifications",
         "contacts", "checks")  # fmt: skip

# GOV.UK tag colours a flag may take. The words carry the meaning; colour only repeats it.
TONES = frozenset({"red", "orange", "yellow", "green", "teal", "grey", "purple"})


@dataclass(frozen=True)
class Flag:
    """One thing to know about a child's case now.

    `label` is the tag's words ("Missing now", "Overdue"), which must say the state without
    their colour; `detail` is the sentence beside it on the case page; `url` is where to
    act on it, if the person may.
    """

    key: str
    label: str
    detail: str
    tone: str = "grey"
    url: str = ""
    # Shown as a tag beside the child in lists (cases, search, inbox, triage): warnings.
    in_lists: bool = True

    def __post_init__(self) -> None:
        if self.key not in ORDER:
            raise ValueError(f"Unknown flag {self.key!r}: add it to cases.flags.ORDER")
        if self.tone not in TONES:
            raise ValueError(f"Unknown tone {self.tone!r}")

    @property
    def rank(self) -> int:
        return ORDER.index(self.key)


def sorted_flags(flags: list[Flag]) -> list[Flag]:
    """The flags in the strip's order (stable within one key)."""
    return sorted(flags, key=lambda flag: flag.rank)


def merged(per_case: dict[int, list[Flag]], case_ids) -> list[Flag]:
    """One list for several cases of one child (a search result, a triage row), each
    distinct flag once."""
    seen: dict[tuple[str, str, str], Flag] = {}
    for case_id in case_ids:
        for flag in per_case.get(case_id, []):
            seen.setdefault((flag.key, flag.label, flag.detail), flag)
    return sorted_flags(list(seen.values()))


def list_flag(key: str, label: str, tone: str) -> Flag:
    """A flag as a list shows it: its tag's words and colour. Providers asked for `brief`
    flags (cases.registry.case_flags) give these: a list of 25 children would otherwise
    write, and throw away, a sentence and a link for every episode, interview and notice
    behind its tags (issue 18)."""
    return Flag(key, label, "", tone)


def for_lists(flags: list[Flag]) -> list[Flag]:
    """The flags worth a tag beside the child in a list: the warnings, each tag's words
    once. A child with four return interviews due is "Interview due" once in a list; the
    case page says each (its strip keeps every flag, with its detail)."""
    seen: dict[tuple[str, str], Flag] = {}
    for flag in flags:
        if flag.in_lists:
            seen.setdefault((flag.key, flag.label), flag)
    return list(seen.values())
