"""What the MASH triage API (triage/api.py) reads and writes. Thin, as cases.serializers:
validate and translate; triage.services decides.

Two views of a contact: the receiving MASH's (everything: rating, deadline, assignment,
ratings, checks and every answer, restricted parts included) and the referring agency's
(what it reported, where it is, the outcome; never the checks or answers). `access` says
which one an answer is.
"""

import datetime as dt
import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import Child
from cases.serializers import (
    BIGINT,
    AgencySerializer,
    AreaSerializer,
    AwareDateTime,
    Flag,
    Id,
    NewChildSerializer,
    QueryId,
    Text,
    happened,
)
from people.models import Agency, Area
from safeguarding.problems import ProblemSerializer
from triage.models import Contact, PartnerCheck, Rag
from triage.selectors import MASH, REFERRER, STATE_FILTERS, UNASSIGNED
from triage.services import mash_for

ONS_CODE = r"^[EWSN][0-9]{8}$"
RAG_OR_UNRATED = [*Rag.values, ""]


def _enum(values: list[str], description: str = "") -> dict:
    schema = {"type": "string", "enum": values}
    return schema | ({"description": description} if description else {})


# Inline enums: `state`, `rag` and `decision` are too general to name schema components.
@extend_schema_field(_enum(RAG_OR_UNRATED, "red, amber, green; empty until rated."))
class RagOut(serializers.CharField):
    pass


@extend_schema_field(_enum(Contact.State.values))
class StateOut(serializers.CharField):
    pass


@extend_schema_field(_enum([*Contact.Decision.values, ""], "Empty until decided."))
class DecisionOut(serializers.CharField):
    pass


@extend_schema_field(_enum(Contact.ReferrerType.values))
class ReferrerTypeOut(serializers.CharField):
    pass


@extend_schema_field(_enum([MASH], "The receiving MASH's view: the whole contact."))
class MashAccess(serializers.CharField):
    pass


@extend_schema_field(_enum([REFERRER], "The referring agency's view: no checks or answers."))
class ReferrerAccess(serializers.CharField):
    pass


@extend_schema_field(_enum(Rag.values))
class RagIn(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=Rag.choices, **kwargs)


@extend_schema_field(_enum(Contact.Decision.values))
class DecisionIn(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=Contact.Decision.choices, **kwargs)


@extend_schema_field(_enum(Contact.ReferrerType.values))
class ReferrerTypeIn(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=Contact.ReferrerType.choices, **kwargs)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 1, "maximum": BIGINT},
            {"type": "string", "pattern": ONS_CODE},
        ],
        "description": "The local authority area where the child lives: its id, or its ONS "
        "code (E10000020 for Norfolk). The contact goes to the MASH of the children's "
        "services covering it.",
    }
)
class AreaRef(serializers.Field):
    default_error_messages = {
        "invalid": "Give the area's id (a number) or its ONS code, like E10000020.",
        "unknown": "No such area.",
    }

    def to_internal_value(self, data) -> Area:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        if isinstance(data, int):
            if not 1 <= data <= BIGINT:
                self.fail("invalid")
            area = Area.objects.filter(pk=data).first()
        else:
            if re.fullmatch(ONS_CODE, data) is None:
                self.fail("invalid")
            area = Area.objects.filter(ons_code=data).first()
        if area is None:
            self.fail("unknown")
        return area

    def to_representation(self, value):
        return value.pk


# --- what the API answers -------------------------------------------------------------------


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__", help_text="Full name, or username.")


class ContactChildSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="full_name")

    class Meta:
        model = Child
        fields = ["id", "name", "date_of_birth"]


class ChildAsKnownSerializer(serializers.Serializer):
    """The child as the referring agency knows them (triage.selectors.child_as_known)."""

    name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)


class ChildAsGivenSerializer(serializers.Serializer):
    """A new child as the referrer gave them, for the MASH to check against the record."""

    first_name = serializers.CharField()
    last_name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    nhs_number = serializers.CharField(allow_blank=True)


class CaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()


class CheckCountsSerializer(serializers.Serializer):
    """A queue row's partner checks, from the queue's annotations."""

    asked = serializers.IntegerField(source="checks_asked")
    outstanding = serializers.IntegerField(
        source="checks_outstanding", help_text="Asked and not yet answered."
    )
    overdue = serializers.IntegerField(
        source="checks_overdue", help_text="Not answered, and past due."
    )


class QueueContactSerializer(serializers.Serializer):
    """A contact as the triage queue lists it."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    child = ContactChildSerializer()
    received_at = serializers.DateTimeField()
    rag = RagOut()
    state = StateOut()
    due_at = serializers.DateTimeField(help_text="When the decision is due (as if red until "
                                       "rated).")  # fmt: skip
    overdue = serializers.BooleanField(help_text="Undecided and past due.")
    assigned_to = PersonRefSerializer(allow_null=True)
    checks = CheckCountsSerializer(source="*")
    referring_agency = AgencySerializer()
    decision = DecisionOut()
    case = CaseRefSerializer(allow_null=True, help_text="The case the decision opened or linked.")


class RatingSerializer(serializers.Serializer):
    rag = RagOut()
    reason = serializers.CharField()
    rated_by = serializers.CharField(source="rated_by.__str__")
    rated_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(help_text="The decision deadline this rating set.")


class ContactCheckSerializer(serializers.Serializer):
    """A partner check as the asking MASH (or the partner asked) sees it: the answer whole,
    its restricted part included."""

    id = serializers.IntegerField()
    agency = AgencySerializer(help_text="The partner agency asked.")
    question = serializers.CharField()
    requested_by = serializers.CharField(source="requested_by.__str__")
    requested_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    overdue = serializers.SerializerMethodField(
        help_text="Outstanding (not answered, not closed), and past due."
    )
    answered_at = serializers.DateTimeField(allow_null=True)
    answered_by = serializers.StringRelatedField(allow_null=True)
    answer = serializers.CharField(allow_blank=True, help_text="Empty until answered.")
    restricted_answer = serializers.CharField(
        allow_blank=True,
        help_text="For the MASH's decision only: never shown to the referrer or other "
        "partners, and kept restricted to the partner on the chronology.",
    )
    closed_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the MASH closed the check without an answer (then never answered).",
    )
    closed_by = serializers.StringRelatedField(
        allow_null=True,
        help_text="The MASH manager who closed it; null when the MASH's decision closed it "
        "(overtaken) or it is not closed.",
    )
    closed_reason = serializers.CharField(
        allow_blank=True, help_text="Why the MASH closed it: empty unless closed."
    )

    def get_overdue(self, check: PartnerCheck) -> bool:
        return check.overdue()


class OpenCheckSerializer(serializers.Serializer):
    """A check a decision would be made without."""

    id = serializers.IntegerField()
    agency = AgencySerializer(help_text="The partner agency asked.")
    due_at = serializers.DateTimeField()
    overdue = serializers.SerializerMethodField(help_text="Past due.")

    def get_overdue(self, check: PartnerCheck) -> bool:
        return check.overdue()


class OpenChecksProblemSerializer(ProblemSerializer):
    """`open-partner-checks`: a decision asked for while partner checks are open."""

    open_checks = OpenCheckSerializer(many=True, help_text="Soonest due first.")


class ContactRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    mash = AgencySerializer(help_text="The MASH that asks.")


class CheckSerializer(ContactCheckSerializer):
    """A partner check with the contact it belongs to and the child it is about."""

    contact = ContactRefSerializer()
    child = ContactChildSerializer(source="contact.child")


class ContactSerializer(serializers.Serializer):
    """A contact as the referring agency sees it: what it reported, where it is, the outcome."""

    access = ReferrerAccess(
        help_text="How much of the contact you see: `referrer` here (no checks or answers)."
    )
    id = serializers.IntegerField()
    reference = serializers.CharField()
    child = ChildAsKnownSerializer(
        source="child_shown",
        help_text="The child as your agency gave them when recording the contact: typed, or "
        "picked as you were shown them. Never the record a known NHS number linked (which "
        "another agency may hold), so the answer never says whether the number was known.",
    )
    area = AreaSerializer()
    mash = AgencySerializer(help_text="The children's services whose MASH received it.")
    referring_agency = AgencySerializer()
    referrer_type = ReferrerTypeOut()
    referrer_name = serializers.CharField()
    referrer_role = serializers.CharField(allow_blank=True)
    referrer_phone = serializers.CharField(allow_blank=True)
    referrer_email = serializers.CharField(allow_blank=True)
    received_at = serializers.DateTimeField()
    recorded_at = serializers.DateTimeField()
    recorded_by = serializers.CharField(source="recorded_by.__str__")
    concern = serializers.CharField(help_text="What was reported.")
    state = StateOut()
    decision = DecisionOut()
    decided_at = serializers.DateTimeField(allow_null=True)
    transfer_to = AgencySerializer(
        allow_null=True, help_text="The MASH a transferred contact went to."
    )


class MashContactSerializer(ContactSerializer):
    """A contact as the receiving MASH sees it: everything, every answer included."""

    access = MashAccess(help_text="How much of the contact you see: `mash` here (all of it).")
    child = ContactChildSerializer(help_text="The child's record.")
    child_as_given = ChildAsGivenSerializer(
        source="given",
        allow_null=True,
        help_text="A new child as the referrer gave them (null when they picked a child): "
        "check it against `child`, which a known NHS number may have linked.",
    )
    rag = RagOut()
    due_at = serializers.DateTimeField(help_text="When the decision is due (as if red until "
                                       "rated).")  # fmt: skip
    overdue = serializers.BooleanField(help_text="Undecided and past due.")
    assigned_to = PersonRefSerializer(allow_null=True)
    rationale = serializers.CharField(allow_blank=True)
    decided_by = serializers.StringRelatedField(allow_null=True)
    case = CaseRefSerializer(allow_null=True, help_text="The case the decision opened or linked.")
    ratings = RatingSerializer(many=True, help_text="The first rating and every change, oldest "
                               "first.")  # fmt: skip
    checks = ContactCheckSerializer(many=True, help_text="Every partner asked, with its answer.")


class QueueCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Contacts not yet decided.")
    unrated = serializers.IntegerField()
    red = serializers.IntegerField()
    amber = serializers.IntegerField()
    green = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text="Undecided and past their decision time.")
    unassigned = serializers.IntegerField()


class CheckTotalsSerializer(serializers.Serializer):
    outstanding = serializers.IntegerField(help_text="Checks on the queue not yet answered.")
    overdue = serializers.IntegerField(help_text="Of those, past due.")


class TriageSummarySerializer(serializers.Serializer):
    """The counts beside the triage screen (triage.selectors.triage_summary)."""

    queue = QueueCountsSerializer()
    checks = CheckTotalsSerializer()
    missing = serializers.IntegerField(help_text="Children still missing the authority answers "
                                       "for.")  # fmt: skip
    unacknowledged = serializers.IntegerField(
        help_text="Notifications to your agency not yet acknowledged."
    )
    interviews_due = serializers.IntegerField(
        help_text="Return home interviews overdue or due within a day."
    )
    high_risk_assessments = serializers.IntegerField(
        help_text="Exploitation risk assessments that set a case's level to high in the last "
        "7 days (issue 21), counted up to 101: more than 100 reads as 101."
    )
    high_risk_screenings = serializers.IntegerField(
        help_text="High-risk CSE screenings in the last 7 days on cases your agency can see, "
        "counted up to 101: 101 means more than 100 (the list pages through them all)."
    )


# --- what the API accepts ------------------------------------------------------------------


class QueueFilterSerializer(serializers.Serializer):
    """The triage queue's filters, as the screen's."""

    rag = serializers.ChoiceField(
        choices=[*Rag.values, "unrated"], required=False, help_text="`unrated`: not yet rated."
    )
    state = serializers.ChoiceField(
        choices=list(STATE_FILTERS),
        required=False,
        help_text="new: to be rated; checks: waiting for partner checks; ready: ready to "
        "decide; decided (newest decision first). Without it: every undecided contact.",
    )
    assignee = serializers.RegexField(
        rf"^({UNASSIGNED}|[1-9][0-9]{{0,17}})$",
        required=False,
        help_text=f"A person's id, or `{UNASSIGNED}` for contacts assigned to no one.",
    )
    referrer = QueryId(required=False, help_text="The referring agency's id.")


class ContactNewChildSerializer(NewChildSerializer):
    """A child to record with the contact (no case is opened until the MASH decides)."""

    concern = None
    confirm_not_duplicate = None


class NewContactSerializer(serializers.Serializer):
    child = Id(
        required=False,
        allow_null=True,
        default=None,
        help_text="A child you may see (see GET /api/v1/children/); or give `new_child`.",
    )
    new_child = ContactNewChildSerializer(
        required=False, allow_null=True, default=None, help_text="A child to record; or `child`."
    )
    confirm_not_duplicate = Flag(
        required=False,
        default=False,
        help_text="With `new_child`: send true, after checking the possible duplicates a 409 "
        "listed, to record the child anyway. Never overrides an NHS number already recorded.",
    )
    area = AreaRef()
    referrer_type = ReferrerTypeIn(
        help_text="professional: for your agency; public: on behalf of a member of the public."
    )
    referrer_name = Text(max_length=200, help_text="Who made the contact.")
    referrer_role = Text(max_length=200, help_text="Their role, or relationship to the child.")
    referrer_phone = Text(blank=True, required=False, default="", max_length=30)
    referrer_email = Text(
        blank=True,
        required=False,
        default="",
        max_length=254,
        pattern=r"^\s*[^\s@\x00]+@[^\s@\x00]+\.[^\s@\x00]+\s*$",
        pattern_message="Enter an email address, like name@example.org",
    )
    received_at = AwareDateTime(help_text="When the concern reached you; not in the future.")
    concern = Text(max_length=5000, help_text="What was reported.")

    def validate_area(self, area: Area) -> Area:
        if mash_for(area) is None:
            raise serializers.ValidationError(f"No children's services MASH covers {area.name}.")
        return area

    def validate_received_at(self, value: dt.datetime) -> dt.datetime:
        return happened(value)

    def validate(self, data: dict) -> dict:
        if (data["child"] is None) == (data["new_child"] is None):
            raise serializers.ValidationError(
                {"child": ["Give either `child` (a child you may see) or `new_child`."]}
            )
        if data["new_child"] and data["new_child"]["date_of_birth"]:
            try:
                happened(data["received_at"], data["new_child"]["date_of_birth"])
            except serializers.ValidationError as refused:
                raise serializers.ValidationError({"received_at": refused.detail}) from None
        return data


class NewRatingSerializer(serializers.Serializer):
    rag = RagIn()
    reason = Text(max_length=1000, help_text="Why this rating (or this change of it).")


class NewChecksSerializer(serializers.Serializer):
    agencies = serializers.ListField(
        child=Id(), min_length=1, max_length=20, help_text="The partner agencies to ask."
    )
    question = Text(max_length=2000, help_text="What the MASH asks each of them.")

    def validate_agencies(self, ids: list[int]) -> list[Agency]:
        if len(set(ids)) != len(ids):
            raise serializers.ValidationError("Name each agency once.")
        found = Agency.objects.in_bulk(ids)
        if len(found) != len(ids):
            raise serializers.ValidationError("No such agency.")
        return [found[pk] for pk in ids]


class AnswerSerializer(serializers.Serializer):
    answer = Text(max_length=5000, help_text="What your agency holds, or that it holds nothing.")
    restricted_answer = Text(
        blank=True,
        required=False,
        default="",
        max_length=5000,
        help_text="Anything for the MASH's decision only: not shown to the referrer or other "
        "partners, restricted to your agency on the chronology.",
    )


class DecisionSerializer(serializers.Serializer):
    decision = DecisionIn()
    rationale = Text(max_length=5000)
    transfer_to = Id(
        required=False,
        allow_null=True,
        default=None,
        help_text="For a transfer only: the other authority's children's services.",
    )
    close_open_checks = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Decide although partner checks are still outstanding, closing each with "
        "`close_reason` first (each partner is told it was closed and why). Without it, a "
        "contact with outstanding checks is not decided: 409 naming them.",
    )
    close_reason = Text(
        blank=True,
        required=False,
        default="",
        max_length=1000,
        help_text="Why the outstanding checks are closed: the partners read it. Required "
        "with `close_open_checks`.",
    )

    def validate(self, data: dict) -> dict:
        if data["close_open_checks"] and not data["close_reason"]:
            raise serializers.ValidationError(
                {"close_reason": "Give the reason the partners are told."}
            )
        if data["close_reason"] and not data["close_open_checks"]:
            raise serializers.ValidationError(
                {"close_reason": "Only with close_open_checks: true."}
            )
        return data

    def validate_transfer_to(self, value: int | None) -> Agency | None:
        if value is None:
            return None
        agency = Agency.objects.filter(pk=value).first()
        if agency is None:
            raise serializers.ValidationError("No such agency.")
        return agency
