"""The "At a glance" flags the `missing` app adds to a case (cases.flags): missing now or
the latest episode, a strategy discussion a repeat-missing alert asks for, the current
placement, and a return home interview due or overdue.

Registered with `cases.registry.add_case_flags` in MissingConfig.ready(). Three queries for
any number of cases: their latest episodes, current placements and outstanding interviews.
"""

import datetime as dt

from django.db.models import Max, Min, Subquery
from django.urls import reverse
from django.utils import timezone

from cases.flags import Flag, list_flag
from cases.models import Case
from missing.models import MissingEpisode, Placement, ReturnInterview
from missing.selectors import open_repeat_alerts
from people.models import Person
from safeguarding import uk_time
from safeguarding.compiled import CompiledQuery

RISK_TONE = {"high": "red", "medium": "orange", "low": "yellow", "very_low": "yellow"}


# Compiled once per process (safeguarding.compiled): building these queries cost several
# times what running them does, on every page with flags (issue 18).
EPISODES = CompiledQuery("flags: latest missing episodes", generic=True)
PLACEMENTS = CompiledQuery("flags: current placements", generic=True)
INTERVIEWS = CompiledQuery("flags: outstanding interviews", generic=True)
# What lists show (brief flags): each case's latest episode's state, its interviews' dates.
EPISODE_STATES = CompiledQuery("flags: latest missing episodes, as lists show them", generic=True)
INTERVIEW_DATES = CompiledQuery("flags: outstanding interviews, as lists show them", generic=True)


def _episodes(now, ids):
    return (
        MissingEpisode.objects.filter(case_id__any=ids)
        .annotate(
            alert_due=Subquery(open_repeat_alerts().values("due_at")[:1]),
            alert_reasons=Subquery(open_repeat_alerts().values("reasons")[:1]),
        )
        .order_by("case_id", "-reported_at", "-id")
        .distinct("case_id")
    )


def _placements(now, ids):
    return Placement.objects.filter(case_id__any=ids, ended_at__isnull=True).select_related(
        "area", "placing_authority"
    )


def _interviews(now, ids):
    return (
        ReturnInterview.objects.filter(episode__case_id__any=ids, completed_at__isnull=True)
        .select_related("agency", "episode")
        .order_by("due_at", "id")
    )


def _episode_states(now, ids):
    return _episodes(now, ids).values_list("case_id", "returned_at", "risk", "alert_due")


def _interview_dates(now, ids):
    return (
        ReturnInterview.objects.filter(episode__case_id__any=ids, completed_at__isnull=True)
        .values("episode__case_id")
        .annotate(soonest=Min("due_at"), latest=Max("due_at"))
        .values_list("episode__case_id", "soonest", "latest")
        .order_by()
    )


def _brief(cases: list[Case], now: dt.datetime) -> dict[int, list[Flag]]:
    """What lists show of `missing_flags`: missing now, a strategy discussion due, an
    interview due or overdue. A return and a placement are not shown in lists, so
    placements are not read; nor is a sentence written for each interview."""
    ids = [case.pk for case in cases]
    flags: dict[int, list[Flag]] = {case_id: [] for case_id in ids}
    for case_id, returned_at, risk, alert_due in EPISODE_STATES.rows(
        (), _episode_states, now, ids=ids
    ):
        if returned_at is None:
            flags[case_id].append(list_flag("missing", "Missing now", RISK_TONE.get(risk, "red")))
        if alert_due is not None:
            late = "Strategy discussion overdue" if alert_due < now else "Strategy discussion due"
            flags[case_id].append(list_flag("repeat", late, "red"))
    for case_id, soonest, latest in INTERVIEW_DATES.rows((), _interview_dates, now, ids=ids):
        # As the strip's flags come, soonest first: overdue before due.
        if soonest < now:
            flags[case_id].append(list_flag("interview", "Interview overdue", "red"))
        if latest >= now:
            flags[case_id].append(list_flag("interview", "Interview due", "yellow"))
    return flags


def latest_episodes(case_ids: list[int]) -> dict[int, MissingEpisode]:
    """Each case's newest missing episode (an open one is always the newest reported), with
    its case's open repeat-missing alert (`alert_due`, `alert_reasons`; None if none): in
    the same query, as an alert needs an episode."""
    rows = EPISODES.objects((), _episodes, timezone.now(), ids=list(case_ids))
    return {episode.case_id: episode for episode in rows}


def current_placements(case_ids: list[int]) -> dict[int, Placement]:
    """The current placement recorded on each case (as `selectors.current_placement`)."""
    rows = PLACEMENTS.objects((), _placements, timezone.now(), ids=list(case_ids))
    return {placement.case_id: placement for placement in rows}


def outstanding_interviews(case_ids: list[int]) -> dict[int, list[ReturnInterview]]:
    """Return home interviews not yet held, soonest due first, by case."""
    rows = INTERVIEWS.objects((), _interviews, timezone.now(), ids=list(case_ids))
    found: dict[int, list[ReturnInterview]] = {}
    for interview in rows:
        found.setdefault(interview.episode.case_id, []).append(interview)
    return found


def _missing(case: Case, episode: MissingEpisode, now: dt.datetime) -> Flag:
    url = reverse("case-missing", args=[case.pk]) + f"#missing-{episode.pk}"
    risk = episode.get_risk_display().lower()
    if episode.returned_at is None:
        return Flag(
            "missing", "Missing now",
            f"Since {uk_time.said(episode.last_seen_at)} "
            f"({uk_time.how_long(episode.last_seen_at, now)}), {risk} risk. "
            f"Last seen: {episode.last_seen_where}.",
            RISK_TONE.get(episode.risk, "red"), url,
        )  # fmt: skip
    return Flag(
        "missing", "Returned",
        f"Last missing from {uk_time.said(episode.last_seen_at)} to "
        f"{uk_time.said(episode.returned_at)}, {risk} risk.",
        "grey", url, in_lists=False,
    )  # fmt: skip


def _repeat(case: Case, episode: MissingEpisode, now: dt.datetime) -> Flag:
    late = episode.alert_due < now
    return Flag(
        "repeat", "Strategy discussion overdue" if late else "Strategy discussion due",
        f"{episode.alert_reasons}. Convene a strategy discussion: "
        f"{'was due' if late else 'due'} by {uk_time.said(episode.alert_due)}. Recording it "
        "on the chronology closes this.",
        "red", reverse("case-missing", args=[case.pk]) + f"#missing-{episode.pk}",
    )  # fmt: skip


def _placement(case: Case, placement: Placement, now: dt.datetime) -> Flag:
    starts = "Starts" if placement.started_at > now else "Since"
    return Flag(
        "placement", "Placed",
        f"{placement.get_provider_type_display()} in {placement.area.name}. "
        f"{starts} {uk_time.said(placement.started_at)}. Placing authority: "
        f"{placement.placing_authority.name}.",
        "teal", reverse("case-missing", args=[case.pk]) + "#placement", in_lists=False,
    )  # fmt: skip


def _interview(case: Case, interview: ReturnInterview, now: dt.datetime) -> Flag:
    url = reverse("case-missing", args=[case.pk]) + f"#missing-{interview.episode_id}"
    if interview.overdue(now):
        return Flag(
            "interview", "Interview overdue",
            f"Return home interview was due by {uk_time.said(interview.due_at)} "
            f"({interview.agency.name}).",
            "red", url,
        )  # fmt: skip
    return Flag(
        "interview", "Interview due",
        f"Return home interview due by {uk_time.said(interview.due_at)} "
        f"({interview.agency.name}).",
        "yellow", url,
    )  # fmt: skip


def missing_flags(
    person: Person, cases: list[Case], *, brief: bool = False
) -> dict[int, list[Flag]]:
    """Placements, episodes and interviews belong to the case: every agency that may see
    the case sees them (as on its "Placement and missing" page), so `person` narrows
    nothing."""
    now = timezone.now()
    if brief:
        return _brief(cases, now)
    ids = [case.pk for case in cases]
    episodes = latest_episodes(ids)
    placements = current_placements(ids)
    interviews = outstanding_interviews(ids)
    flags: dict[int, list[Flag]] = {}
    for case in cases:
        found = []
        if episode := episodes.get(case.pk):
            found.append(_missing(case, episode, now))
            if episode.alert_due is not None:
                found.append(_repeat(case, episode, now))
        if placement := placements.get(case.pk):
            found.append(_placement(case, placement, now))
        found += [_interview(case, interview, now) for interview in interviews.get(case.pk, [])]
        flags[case.pk] = found
    return flags
