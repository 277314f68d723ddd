"""What the case API reads and writes. Thin: validate and translate; the services decide.

Input fields are strict about JSON types (a number is not a string, 1 is not `true`) and
each states in the schema exactly what it accepts, so a client, and the fuzzer, can rely
on the schema: what it allows is accepted unless a rule it cannot state refuses it (an
NHS check digit, a time in the future, an agency that does not exist).
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from cases import pseudo_postcodes
from cases.access import Level
from cases.models import (
    ASSESSED_LEVELS,
    Assessment,
    AssessmentContribution,
    Case,
    Child,
    Entry,
    Harm,
    Phrase,
    Protective,
    Screening,
    Vulnerability,
)
from cases.moments import CLOCK_SKEW, check_when
from cases.validators import POSTCODE_MESSAGE, normalise_nhs_number, validate_nhs_number
from people.models import Agency, Area
from safeguarding.problems import ProblemSerializer
from safeguarding.uk_time import day_said

# Some text that is not only spaces, and no NUL anywhere (PostgreSQL text cannot hold it).
SOME_TEXT = r"^\s*[^\s\x00][^\x00]*$"
NHS_NUMBER = r"^[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}$"
# cases.validators.POSTCODE or an NHS pseudo-postcode (cases.pseudo_postcodes.PATTERN),
# in either case, with or without its one space.
POSTCODE = (
    r"^([Gg][Ii][Rr] ?0[Aa][Aa]|[A-PR-UWYZa-pr-uwyz][A-HK-Ya-hk-y]?[0-9][A-Za-z0-9]? ?"
    r"[0-9][ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2}|[Zz][Zz]99 ?[0-9][A-Za-z]{2})$"
)
# At least 20 characters once the spaces around it are taken off.
REASON = r"^\s*[^\s\x00][^\x00]{18,}[^\s\x00]\s*$"
BIGINT = 2**63 - 1


class Text(serializers.CharField):
    """A JSON string, checked as sent and stored without its surrounding spaces."""

    def __init__(self, *, blank: bool = False, pattern: str = SOME_TEXT, **kwargs) -> None:
        message = kwargs.pop("pattern_message", "Enter some text (not only spaces).")
        super().__init__(allow_blank=blank, trim_whitespace=False, **kwargs)
        self.validators.append(RegexValidator(pattern, message))

    def to_internal_value(self, data) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return data

    def run_validation(self, data=empty):
        value = super().run_validation(data)
        return value.strip() if isinstance(value, str) else value


class Flag(serializers.BooleanField):
    """`true` or `false`, nothing that merely looks like one."""

    def to_internal_value(self, data) -> bool:
        if data is True or data is False:
            return data
        self.fail("invalid", input=data)


class Id(serializers.IntegerField):
    """A JSON integer naming a row."""

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=1, max_value=BIGINT, **kwargs)

    def to_internal_value(self, data) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return data


class QueryId(serializers.IntegerField):
    """An id in a query string: digits only."""

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=1, max_value=BIGINT, **kwargs)

    def to_internal_value(self, data) -> int:
        if not isinstance(data, str) or not data.isascii() or not data.isdigit():
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "enum": Level.values})
class AccessLevel(serializers.ChoiceField):
    """Access levels as what a person may do (inline: `level` already names the enum)."""


# --- what the API answers -------------------------------------------------------------------


class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "kind"]


class CaseSummarySerializer(serializers.ModelSerializer):
    """A case as listed with its child."""

    lead_agency = AgencySerializer()

    class Meta:
        model = Case
        fields = ["id", "reference", "status", "risk_level", "lead_agency"]


class PostcodeMeaning(serializers.CharField):
    """What an NHS pseudo-postcode in `postcode` means ("no fixed abode"); "" for a place."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("help_text", "What `postcode` means when it is an NHS pseudo-postcode "
                          "(ZZ99 3VZ: no fixed abode); empty for a real postcode.")  # fmt: skip
        super().__init__(source="postcode", read_only=True, **kwargs)

    def to_representation(self, value: str) -> str:
        return pseudo_postcodes.meaning(value)


class ChildSerializer(serializers.ModelSerializer):
    aliases = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    postcode_meaning = PostcodeMeaning()
    responsible_authority = AgencySerializer(allow_null=True)
    cases = CaseSummarySerializer(
        source="visible_cases", many=True, help_text="The child's cases you may see."
    )

    class Meta:
        model = Child
        fields = ["id", "first_name", "last_name", "aliases", "date_of_birth", "gender",
                  "nhs_number", "police_reference", "local_authority_reference", "address",
                  "postcode", "postcode_meaning", "looked_after", "responsible_authority", "cases",
                  "created_at"]  # fmt: skip


class ChildSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Child
        fields = ["id", "first_name", "last_name", "date_of_birth"]


class CaseSerializer(serializers.ModelSerializer):
    child = ChildSummarySerializer()
    lead_agency = AgencySerializer()

    class Meta:
        model = Case
        fields = ["id", "reference", "status", "risk_level", "child", "lead_agency",
                  "opened_at", "closed_at"]  # fmt: skip


class CaseDetailSerializer(CaseSerializer):
    opened_by = serializers.StringRelatedField()
    access = serializers.ListField(
        child=AccessLevel(choices=Level.choices),
        help_text="What you may do with the case: view, contribute (add to the chronology "
        "and screen), manage (share, revoke, close).",
    )

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "opened_by", "access"]


class EntrySerializer(serializers.ModelSerializer):
    agency = AgencySerializer(help_text="The agency that recorded the entry.")
    recorded_by = serializers.StringRelatedField()
    superseded_by = serializers.SerializerMethodField(
        help_text="The amendment that corrects this entry, if any."
    )

    class Meta:
        model = Entry
        fields = ["id", "category", "occurred_at", "recorded_at", "recorded_by", "agency",
                  "text", "restricted", "supersedes", "superseded_by",
                  "amendment_reason"]  # fmt: skip

    def get_superseded_by(self, entry: Entry) -> int | None:
        amendment = getattr(entry, "superseded_by", None)
        return amendment.pk if amendment is not None else None


class ScreeningSerializer(serializers.ModelSerializer):
    agency = AgencySerializer()
    screened_by = serializers.StringRelatedField()
    indicators = serializers.ListField(
        child=serializers.ChoiceField(choices=Screening.Indicator.choices)
    )

    class Meta:
        model = Screening
        fields = ["id", "screened_at", "screened_by", "agency", "indicators", "risk_level",
                  "notes"]  # fmt: skip


class CreatedChildSerializer(serializers.Serializer):
    child = ChildSerializer()
    case = CaseSerializer(help_text="The case opened for the child, led by your agency.")


class DuplicateSerializer(serializers.Serializer):
    child = serializers.IntegerField()
    reason = serializers.CharField()
    cases = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of the child's cases you may see."
    )


class OpenCaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()


class OpenCaseProblemSerializer(ProblemSerializer):
    """`open-case-exists`: the open case, named only to someone who may see it."""

    case = OpenCaseRefSerializer(
        required=False, help_text="The open case: absent if it is not yours to see."
    )


class DuplicatesSerializer(ProblemSerializer):
    """`duplicate-child`: the matches the person may see, and a count of the others."""

    duplicates = DuplicateSerializer(many=True, help_text="Matches you may see.")
    hidden_matches = serializers.IntegerField(
        help_text="Matches you may not see. Ask the agencies you work with; nothing more "
        "about them is given."
    )


# --- times with their offset (entries, placements, missing episodes, contacts) -----------

# RFC 3339, as the schema's `date-time` says: a date, a time and always an offset (or Z).
AWARE_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$"
)


class AwareDateTime(serializers.DateTimeField):
    """A date and time with its offset from UTC: a time without one is ambiguous (an hour
    either way twice a year), and in a missing-child report an hour matters."""

    default_error_messages = {
        "invalid": "Give a date and time with its offset from UTC, like 2025-03-01T21:30:00Z "
        "or 2025-06-01T21:30:00+01:00.",
        "overflow": "Give a real date and time.",
    }

    def to_internal_value(self, value):
        if not isinstance(value, str) or not AWARE_DATETIME.match(value):
            self.fail("invalid")
        try:
            return super().to_internal_value(value)
        except OverflowError:  # the first or last hours of the calendar, read in UK time
            self.fail("overflow")


def happened(
    value: dt.datetime, born: dt.date | None = None, ahead: dt.timedelta = CLOCK_SKEW
) -> dt.datetime:
    """cases.moments.check_when for the API, in its words: not before the child was born
    (1900 where that is not known), and no more than `ahead` from now."""
    try:
        return check_when(value, born=born, ahead=ahead)
    except DjangoValidationError as refused:
        if refused.code == "ahead" and ahead > CLOCK_SKEW:
            hours = int(ahead.total_seconds() // 3600)
            message = f"Give a time no more than {hours} hours ahead."
        elif refused.code == "ahead":
            message = "Give a time that is not in the future."
        elif born:
            message = f"Give a time on or after the child's date of birth ({day_said(born)})."
        else:
            message = "Give a time from 1900 onwards."
        raise serializers.ValidationError(message) from None


# --- what the API accepts ------------------------------------------------------------------


class ChildSearchSerializer(serializers.Serializer):
    search = Text(blank=True, required=False, max_length=100, help_text="Part of a name or alias.")
    date_of_birth = serializers.DateField(required=False)
    nhs_number = Text(blank=True, required=False, max_length=20)


class NewChildSerializer(serializers.Serializer):
    first_name = Text(max_length=100)
    last_name = Text(max_length=100)
    aliases = serializers.ListField(
        child=Text(max_length=100), max_length=10, required=False, default=list
    )
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    gender = serializers.ChoiceField(
        choices=Child.Gender.choices, required=False, default=Child.Gender.NOT_KNOWN
    )
    nhs_number = Text(
        blank=True,
        required=False,
        default="",
        max_length=12,
        pattern=NHS_NUMBER,
        pattern_message="Enter an NHS number as 10 digits, like 943 476 5919",
        validators=[validate_nhs_number],
    )
    police_reference = Text(blank=True, required=False, default="", max_length=50)
    local_authority_reference = Text(blank=True, required=False, default="", max_length=50)
    address = Text(blank=True, required=False, default="", max_length=300)
    postcode = Text(
        blank=True,
        required=False,
        default="",
        max_length=8,
        pattern=POSTCODE,
        pattern_message=POSTCODE_MESSAGE,
    )
    looked_after = Flag(required=False, default=False)
    responsible_authority = Id(
        required=False,
        allow_null=True,
        default=None,
        help_text="The children's services agency that looks after the child.",
    )
    concern = Text(
        blank=True,
        required=False,
        default="",
        max_length=5000,
        help_text="Recorded as the case's first chronology entry.",
    )
    confirm_not_duplicate = Flag(
        required=False,
        default=False,
        help_text="Send true, after checking the possible duplicates a 409 listed, to record "
        "the child anyway. Never overrides an NHS number already recorded.",
    )

    def validate_nhs_number(self, value: str) -> str:
        return normalise_nhs_number(value)

    def validate_responsible_authority(self, value: int | None) -> Agency | None:
        if value is None:
            return None
        authority = Agency.objects.filter(pk=value, kind=Agency.Kind.SOCIAL_CARE).first()
        if authority is None:
            raise serializers.ValidationError("Choose a children's services agency.")
        return authority

    def validate(self, data: dict) -> dict:
        if data["responsible_authority"] and not data["looked_after"]:
            raise serializers.ValidationError(
                {"responsible_authority": "Give a responsible authority only for a looked-after "
                 "child (looked_after true)."}
            )  # fmt: skip
        return data


class NewCaseSerializer(serializers.Serializer):
    child = Id(help_text="A child you may see (one with a case shared with your agency).")
    concern = Text(blank=True, required=False, default="", max_length=5000)


class CloseCaseSerializer(serializers.Serializer):
    reason = Text(max_length=2000)


class CaseFilterSerializer(serializers.Serializer):
    reference = serializers.CharField(
        required=False,
        max_length=30,
        help_text="The case with this reference (`CSE-2026-000123`; case and spaces do not "
        "matter). A case you may not see gives an empty list, as one that does not exist.",
    )


class EntryFilterSerializer(serializers.Serializer):
    agency = QueryId(required=False, help_text="Only entries recorded by this agency.")
    category = serializers.ChoiceField(choices=Entry.Category.choices, required=False)
    occurred_from = serializers.DateField(required=False, help_text="On or after this day.")
    occurred_to = serializers.DateField(required=False, help_text="On or before this day.")
    show = serializers.ChoiceField(
        choices=["all", "significant"],
        required=False,
        default="all",
        help_text="`significant` leaves out the administrative entries (case opened, shares, "
        "share and notification acknowledgements, emergency access), as the case page's "
        "significant-events view does.",
    )


class NewEntrySerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=[(c.value, c.label) for c in Entry.RECORDABLE])
    occurred_at = AwareDateTime(
        help_text="When it happened, with its offset from UTC: not in the future, and not "
        "before the child's date of birth (1900 where that is not known)."
    )
    text = Text(max_length=5000)
    restricted = Flag(
        required=False,
        default=False,
        help_text="Visible only to your agency. An amendment keeps the setting of the entry "
        "it corrects, whatever is sent.",
    )
    supersedes = Id(
        required=False,
        allow_null=True,
        default=None,
        help_text="To amend: the id of the entry this one corrects (your agency's, and its "
        "newest version).",
    )
    amendment_reason = Text(blank=True, required=False, default="", max_length=500)

    def validate_occurred_at(self, value: dt.datetime) -> dt.datetime:
        return happened(value, self.context.get("born"))

    def validate(self, data: dict) -> dict:
        if data["supersedes"] and not data["amendment_reason"]:
            raise serializers.ValidationError(
                {"amendment_reason": "Give the reason for the amendment."}
            )
        if data["amendment_reason"] and not data["supersedes"]:
            raise serializers.ValidationError(
                {"amendment_reason": "Give a reason only when amending (with supersedes)."}
            )
        return data


class NewScreeningSerializer(serializers.Serializer):
    indicators = serializers.ListField(
        child=serializers.ChoiceField(choices=Screening.Indicator.choices),
        allow_empty=True,
        help_text="The indicators found; an empty list records a screening that found none.",
    )
    notes = Text(blank=True, required=False, default="", max_length=2000)


# --- areas and people (placements, missing episodes, contacts) ----------------------------


class AreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = ["id", "ons_code", "name"]


class PersonSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name", allow_blank=True)
    agency = AgencySerializer(allow_null=True)


# --- exploitation risk assessments (issue 21) ------------------------------------------------


def _choices(choices, help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=choices), required=False, default=list,
        help_text=help_text,
    )  # fmt: skip


class AssessmentSerializer(serializers.ModelSerializer):
    agency = AgencySerializer()
    assessed_by = serializers.StringRelatedField()
    agreed_by = serializers.StringRelatedField(allow_null=True)
    harm = serializers.ListField(child=serializers.ChoiceField(choices=Harm.choices))
    vulnerabilities = serializers.ListField(
        child=serializers.ChoiceField(choices=Vulnerability.choices)
    )
    protective = serializers.ListField(child=serializers.ChoiceField(choices=Protective.choices))
    stands = serializers.BooleanField(
        help_text="False while a lower level waits for a manager's agreement: the case keeps "
        "`previous_level` until then."
    )

    class Meta:
        model = Assessment
        fields = ["id", "assessed_at", "assessed_by", "agency", "harm", "vulnerabilities",
                  "protective", "child_view", "analysis", "level", "rationale", "review_by",
                  "previous_level", "needs_agreement", "agreed_by", "agreed_at",
                  "stands"]  # fmt: skip


class NewAssessmentSerializer(serializers.Serializer):
    harm = _choices(Harm.choices, "Signs that harm is happening (they never set the level).")
    vulnerabilities = _choices(Vulnerability.choices, "Vulnerabilities.")
    protective = _choices(Protective.choices, "Protective factors.")
    child_view = Text(blank=True, required=False, default="", max_length=4000)
    analysis = Text(max_length=8000)
    level = serializers.ChoiceField(
        choices=[(level.value, level.label) for level in ASSESSED_LEVELS],
        help_text="The level the practitioner chose. Saved as sent.",
    )
    rationale = Text(max_length=4000)
    review_by = serializers.DateField(help_text="A day in the future, within about six months.")


class ContributionSerializer(serializers.ModelSerializer):
    agency = AgencySerializer()
    contributed_by = serializers.StringRelatedField()
    harm = serializers.ListField(child=serializers.ChoiceField(choices=Harm.choices))
    weighed_in = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = AssessmentContribution
        fields = ["id", "contributed_at", "contributed_by", "agency", "harm", "analysis",
                  "restricted", "weighed_in"]  # fmt: skip


class PhraseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Phrase
        fields = ["id", "words", "instead", "why", "source"]


class NewContributionSerializer(serializers.Serializer):
    harm = _choices(Harm.choices, "Signs that harm is happening your agency has seen.")
    analysis = Text(max_length=8000)
    restricted = serializers.BooleanField(
        default=False, help_text="Only your agency reads it (the lead agency does not weigh it)."
    )
