"""What the shares and emergency-access API reads and writes, with the conventions of
`cases.serializers` (strict JSON types, everything it accepts stated in the schema)."""

from rest_framework import serializers

from cases.serializers import REASON, AgencySerializer, Id, PersonSummarySerializer, Text
from people.models import Agency
from sharing.models import EmergencyAccess, LawfulBasis, Share

# --- what the API answers -------------------------------------------------------------------


class ShareSerializer(serializers.ModelSerializer):
    agency = AgencySerializer(help_text="The agency the case is shared with.")
    shared_by = serializers.StringRelatedField(allow_null=True)
    acknowledged_by = serializers.StringRelatedField(allow_null=True)
    revoked_by = serializers.StringRelatedField(allow_null=True)
    active = serializers.BooleanField(source="is_active")

    class Meta:
        model = Share
        fields = ["id", "case", "agency", "level", "lawful_basis", "purpose", "shared_by",
                  "shared_at", "acknowledged_by", "acknowledged_at", "revoked_by", "revoked_at",
                  "active", "lapses_at", "renewed_at"]  # fmt: skip
        extra_kwargs = {
            "lapses_at": {"help_text": "A placement notice's share once the child left the "
                          "area: it lapses then unless renewed (POST .../renew/)."},
        }  # fmt: skip


class RenewSerializer(serializers.Serializer):
    reason = Text(max_length=1000, help_text="Why your agency still needs to see the case.")


class EmergencyAccessSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="case.reference")

    class Meta:
        model = EmergencyAccess
        fields = ["id", "case", "reference", "reason", "granted_at", "expires_at"]


# --- what the API accepts ------------------------------------------------------------------


class NewShareSerializer(serializers.Serializer):
    agency = Id()
    level = serializers.ChoiceField(choices=Share.Level.choices)
    lawful_basis = serializers.ChoiceField(choices=LawfulBasis.choices)
    purpose = Text(max_length=500)

    def validate_agency(self, value: int) -> Agency:
        agency = Agency.objects.filter(pk=value).first()
        if agency is None:
            raise serializers.ValidationError("No such agency.")
        if agency == self.context["person"].agency:
            raise serializers.ValidationError("Your agency already manages this case.")
        return agency


class EmergencyReasonSerializer(serializers.Serializer):
    reason = Text(
        min_length=20,
        max_length=1000,
        pattern=REASON,
        pattern_message="Give the reason in at least 20 characters.",
        help_text="Why you need this case now, in at least 20 characters. The case's "
        "managing agency reads it.",
    )


# --- the review of emergency accesses (reports.api) ----------------------------------------


class EmergencyAccessReviewSerializer(serializers.ModelSerializer):
    """An emergency access and its review by information governance."""

    reference = serializers.CharField(source="case.reference")
    person = PersonSummarySerializer(help_text="Who used the emergency access.")
    reviewed_by = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = EmergencyAccess
        fields = ["id", "case", "reference", "person", "reason", "granted_at", "expires_at",
                  "reviewed_at", "reviewed_by", "review_note"]  # fmt: skip


class EmergencyAccessFilterSerializer(serializers.Serializer):
    reviewed = serializers.ChoiceField(
        choices=["true", "false"],
        required=False,
        help_text="true: only those reviewed; false: only those awaiting review.",
    )


class ReviewSerializer(serializers.Serializer):
    note = Text(
        max_length=EmergencyAccess._meta.get_field("review_note").max_length,
        help_text="What the review found. Kept with the access; not put on the chronology.",
    )
