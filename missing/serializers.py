"""What the placements and missing-episodes API (missing/api.py) reads and writes.

Thin, as cases.serializers, whose strict field types (Text, Id, AwareDateTime) these use:
validate and translate; missing.services decides.
"""

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases import validators as postcode_rules
from cases.serializers import (
    POSTCODE,
    AgencySerializer,
    AreaSerializer,
    AwareDateTime,
    Id,
    PostcodeMeaning,
    Text,
    happened,
)
from missing.models import MissingEpisode, Placement, ReturnInterview
from people.models import Area
from safeguarding.problems import ProblemSerializer
from safeguarding.uk_time import said

# A placement may be recorded a little ahead of the move (the pages allow the same).
PLACEMENT_AHEAD = dt.timedelta(hours=24)


@extend_schema_field({"type": "string", "enum": MissingEpisode.Risk.values})
class RiskGrading(serializers.ChoiceField):
    """The missing-episode risk grading (inline: `risk` alone is too vague a name to share)."""


class PlacementSerializer(serializers.ModelSerializer):
    placing_authority = AgencySerializer()
    area = AreaSerializer(help_text="The local authority area the child is placed in.")
    recorded_by = serializers.StringRelatedField()
    current = serializers.BooleanField(help_text="Whether this is where the child lives now.")
    postcode_meaning = PostcodeMeaning()

    class Meta:
        model = Placement
        fields = ["id", "case", "placing_authority", "area", "address", "postcode",
                  "postcode_meaning", "provider_type", "started_at", "ended_at", "end_reason",
                  "recorded_by", "recorded_at", "current"]  # fmt: skip


class ReturnInterviewSerializer(serializers.ModelSerializer):
    agency = AgencySerializer(help_text="The placing authority, which holds the interview.")

    class Meta:
        model = ReturnInterview
        # What every agency that sees the case may know of it; what the child said is on
        # the chronology as far as it was shared, and on the case's page.
        fields = ["id", "agency", "due_at", "held_on", "completed_at", "outcome", "offered_on",
                  "covered_by"]  # fmt: skip


class MissingEpisodeSerializer(serializers.ModelSerializer):
    last_seen_area = AreaSerializer(
        allow_null=True, help_text="The area the child was last seen in; null on older reports."
    )
    risk = RiskGrading(choices=MissingEpisode.Risk.choices)
    reported_by = serializers.StringRelatedField()
    reporting_agency = AgencySerializer()
    return_recorded_by = serializers.StringRelatedField(allow_null=True)
    still_missing = serializers.BooleanField()
    return_interview = ReturnInterviewSerializer(
        allow_null=True, help_text="Owed once the child has returned; null until then."
    )

    class Meta:
        model = MissingEpisode
        fields = ["id", "case", "last_seen_at", "last_seen_where", "last_seen_area",
                  "circumstances", "risk",
                  "reported_by", "reporting_agency", "reported_at", "still_missing",
                  "returned_at", "how_found", "return_recorded_by",
                  "return_interview"]  # fmt: skip


class NewPlacementSerializer(serializers.Serializer):
    area = Id(help_text="The local authority area (its id) the child is placed in.")
    address = Text(max_length=300)
    postcode = Text(
        max_length=8,
        pattern=POSTCODE,
        pattern_message=postcode_rules.POSTCODE_MESSAGE,
    )
    provider_type = serializers.ChoiceField(choices=Placement.Provider.choices)
    started_at = AwareDateTime(
        help_text="When the placement starts: no more than 24 hours ahead, and not before the "
        "child's current placement started. A current placement ends when this one starts."
    )

    def validate_area(self, value: int) -> Area:
        area = Area.objects.filter(pk=value).first()
        if area is None:
            raise serializers.ValidationError("No such area.")
        return area

    def validate_postcode(self, value: str) -> str:
        try:
            postcode_rules.validate_postcode(value)
        except DjangoValidationError as invalid:
            raise serializers.ValidationError(invalid.messages) from None
        return postcode_rules.normalise_postcode(value)

    def validate_started_at(self, value: dt.datetime) -> dt.datetime:
        happened(value, self.context.get("born"), PLACEMENT_AHEAD)
        current = self.context.get("current")
        if current is not None and value < current.started_at:
            raise serializers.ValidationError(
                f"The child's current placement started {said(current.started_at)}: give a time "
                "after that, or end that placement first."
            )
        return value


class NewMissingEpisodeSerializer(serializers.Serializer):
    last_seen_at = AwareDateTime(help_text="When the child was last seen; not in the future.")
    last_seen_where = Text(max_length=300, help_text="Where the child was last seen.")
    last_seen_area = serializers.PrimaryKeyRelatedField(
        queryset=Area.objects.all(),
        required=False,
        allow_null=True,
        help_text="The area the child was last seen in (an id from /api/v1/areas/): its police "
        "force is told too. Optional; without it only those covering where the child lives are.",
    )
    circumstances = Text(max_length=5000)
    risk = RiskGrading(choices=MissingEpisode.Risk.choices)

    def validate_last_seen_at(self, value: dt.datetime) -> dt.datetime:
        return happened(value, self.context.get("born"))


class ReturnSerializer(serializers.Serializer):
    returned_at = AwareDateTime(
        help_text="When the child returned or was found: not in the future, and not before "
        "they were last seen."
    )
    how_found = Text(max_length=1000)

    def validate_returned_at(self, value: dt.datetime) -> dt.datetime:
        happened(value, self.context.get("born"))
        episode = self.context["episode"]
        if value < episode.last_seen_at:
            raise serializers.ValidationError(
                f"The child was last seen {said(episode.last_seen_at)}: give a time after that."
            )
        return value


class RegradeSerializer(serializers.Serializer):
    risk = RiskGrading(
        choices=MissingEpisode.Risk.choices, help_text="The new grading: not the one it has."
    )
    reason = Text(max_length=2000, help_text="Why the grading changed.")


class AlreadyMissingProblemSerializer(ProblemSerializer):
    """`child-already-missing`: the open episode, whose return comes first."""

    episode = serializers.IntegerField(
        required=False, help_text="With `child-already-missing`: the episode without a return."
    )


# --- the missing-from-care profile (missing.profiles) ------------------------------------


class ProfilePhotoSerializer(serializers.Serializer):
    """The photo's facts; its bytes are only at `url`, behind the same check (never in JSON,
    an email or a webhook)."""

    url = serializers.CharField(help_text="GET it with the same credentials; never cached.")
    content_type = serializers.ChoiceField(choices=["image/jpeg", "image/png"])
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
    uploaded_by_agency = serializers.CharField()


class ProfileSerializer(serializers.Serializer):
    """The profile as it stands (its newest version), with its review and, for a police force
    reading it through a missing report, until when."""

    description = serializers.CharField(allow_blank=True)
    medical = serializers.CharField(allow_blank=True, help_text="Medical needs and medication.")
    associates = serializers.ListField(child=serializers.CharField())
    places = serializers.ListField(
        child=serializers.CharField(), help_text="Places the child goes or has been found."
    )
    contacts = serializers.ListField(
        child=serializers.CharField(), help_text="The child's phone numbers and accounts."
    )
    version = serializers.IntegerField(allow_null=True, help_text="Null: nothing written yet.")
    written_at = serializers.DateTimeField(allow_null=True)
    written_by_agency = serializers.CharField(allow_null=True)
    versions = serializers.IntegerField(help_text="How many versions are kept.")
    reviewed_at = serializers.DateTimeField(allow_null=True)
    review_due = serializers.BooleanField()
    review_due_because = serializers.CharField(allow_blank=True)
    next_review_by = serializers.DateField(allow_null=True)
    erased_at = serializers.DateTimeField(allow_null=True)
    photo = ProfilePhotoSerializer(allow_null=True)
    released_until = serializers.DateTimeField(
        allow_null=True,
        help_text="Read through a missing report's release: when it lapses (null while the "
        "child is missing, or when read with contribute access).",
    )


class ProfileLines(serializers.ListField):
    def __init__(self, help_text: str) -> None:
        super().__init__(
            child=Text(max_length=200), max_length=50, required=False, help_text=help_text
        )


class NewProfileSerializer(serializers.Serializer):
    """The whole profile, as it should now read: a section left out is emptied."""

    description = Text(blank=True, max_length=2000, required=False, pattern=r"^[^\x00]*$")
    medical = Text(blank=True, max_length=2000, required=False, pattern=r"^[^\x00]*$")
    associates = ProfileLines("One associate a line: name, how they know the child, phone.")
    places = ProfileLines("Places the child goes or has been found.")
    contacts = ProfileLines("The child's phone numbers and social media accounts.")


class InterviewSerializer(serializers.Serializer):
    """How a return home interview went (missing.services.record_return_interview)."""

    outcome = serializers.ChoiceField(choices=ReturnInterview.Outcome.choices)
    held_at = AwareDateTime(
        required=False, help_text="When it was held: with `held`, after the return, not ahead."
    )
    summary = Text(blank=True, max_length=5000, required=False, pattern=r"^[^\x00]*$",
                   help_text="Required with `held`: on the chronology, which every agency "
                   "that sees the case reads.")  # fmt: skip
    offered_on = serializers.DateField(required=False, allow_null=True)
    offered_by = Text(blank=True, max_length=200, required=False, pattern=r"^[^\x00]*$")
    outcome_reason = Text(blank=True, max_length=2000, required=False, pattern=r"^[^\x00]*$",
                          help_text="Required with `declined` and `not_held`.")  # fmt: skip
    push_factors = serializers.ListField(
        child=serializers.ChoiceField(choices=ReturnInterview.PUSH), required=False
    )
    pull_factors = serializers.ListField(
        child=serializers.ChoiceField(choices=ReturnInterview.PULL), required=False
    )
    factors_detail = Text(blank=True, max_length=2000, required=False, pattern=r"^[^\x00]*$")
    child_words = Text(blank=True, max_length=5000, required=False, pattern=r"^[^\x00]*$",
                       help_text="Kept on the interview; never on the chronology.")  # fmt: skip
    people_mentioned = ProfileLines("People the child named: offered for the profile.")
    places_mentioned = ProfileLines("Places the child named: offered for the profile.")
    risk_change = serializers.ChoiceField(
        choices=ReturnInterview.RiskChange.choices, required=False, allow_blank=True
    )
    shared_with_police = serializers.BooleanField(
        required=False, default=False,
        help_text="Put the factors and the people and places named on the chronology.",
    )  # fmt: skip
    covers = serializers.ListField(
        child=Id(), required=False,
        help_text="Other interviews of the case's returns, still owed by your agency, that "
        "this one conversation covered.",
    )  # fmt: skip

    def validate_held_at(self, value: dt.datetime) -> dt.datetime:
        happened(value, self.context.get("born"))
        returned = self.context["episode"].returned_at
        if value < returned:
            raise serializers.ValidationError(
                f"The child returned {said(returned)}: give a time after that."
            )
        return value

    def validate(self, data: dict) -> dict:
        if data["outcome"] == ReturnInterview.Outcome.HELD:
            missing = [name for name in ("held_at", "summary") if not data.get(name)]
            if missing:
                raise serializers.ValidationError(
                    {name: ["Required when the interview was held."] for name in missing}
                )
        elif not (data.get("outcome_reason") or "").strip():
            raise serializers.ValidationError(
                {"outcome_reason": ["Say why the interview was not held."]}
            )
        return data
