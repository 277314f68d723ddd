"""The links API's shapes (issue 20, item 6): what a link says, as the pages show it."""

from rest_framework import serializers

from cases.serializers import AgencySerializer, Text
from links.models import Link, Match, Thing


class CaseSeenSerializer(serializers.Serializer):
    """Another case the reader may see that holds the same thing (and whose link they read)."""

    id = serializers.IntegerField(source="case_id")
    reference = serializers.CharField(source="case.reference")


class LinkSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(source="thing.kind", choices=Thing.Kind.choices)
    thing = serializers.IntegerField(
        source="thing_id",
        help_text="The thing linked: the same id on two of your cases is the same person, "
        "vehicle, place, phone or account after normalisation.",
    )
    details = serializers.DictField(source="written", help_text="As your agency wrote it.")
    agency = AgencySerializer(help_text="The agency that recorded the link.")
    recorded_by = serializers.StringRelatedField()
    also_on = serializers.SerializerMethodField(
        help_text="Other cases you may see whose link to the same thing you may read."
    )
    similar_names = serializers.SerializerMethodField(
        help_text="A person only: other cases you may see with someone of the same name or "
        "other name (case, accents and punctuation aside) who is not the same thing. A "
        "suggestion to check with the recording agency, never a match."
    )

    class Meta:
        model = Link
        fields = ["id", "kind", "thing", "details", "learned_on", "learned_how", "restricted",
                  "agency", "recorded_by", "recorded_at", "also_on",
                  "similar_names"]  # fmt: skip

    def get_also_on(self, link: Link) -> list[dict]:
        also = self.context.get("also", {}).get(link.thing_id, [])
        return CaseSeenSerializer(also, many=True).data

    def get_similar_names(self, link: Link) -> list[dict]:
        similar = self.context.get("similar", {}).get(link.pk, [])
        return CaseSeenSerializer(similar, many=True).data


class PersonDetails(serializers.Serializer):
    name = Text(max_length=200)
    aliases = Text(max_length=1000, required=False, help_text="One a line.")
    date_of_birth = serializers.DateField(required=False)
    approximate_age = serializers.IntegerField(required=False, min_value=0, max_value=120)
    description = Text(max_length=2000, required=False)
    relationship = serializers.ChoiceField(choices=Link.Relationship.choices)
    ethnicity = serializers.ChoiceField(choices=Link.Ethnicity.choices, default="not_known")
    nationality = Text(max_length=100, required=False)


class VehicleDetails(serializers.Serializer):
    registration = Text(max_length=20)
    make = Text(max_length=100, required=False)
    colour = Text(max_length=50, required=False)
    taxi = serializers.BooleanField(default=False)
    operator = Text(max_length=200, required=False)


class PlaceDetails(serializers.Serializer):
    address = Text(max_length=500, required=False)
    postcode = Text(max_length=10, required=False)
    venue = Text(max_length=200, required=False)
    place_type = serializers.ChoiceField(choices=Link.PlaceType.choices)


class PhoneDetails(serializers.Serializer):
    number = Text(max_length=40)


class AccountDetails(serializers.Serializer):
    platform = Text(max_length=100)
    handle = Text(max_length=200)


DETAILS = {
    Thing.Kind.PERSON: PersonDetails,
    Thing.Kind.VEHICLE: VehicleDetails,
    Thing.Kind.PLACE: PlaceDetails,
    Thing.Kind.PHONE: PhoneDetails,
    Thing.Kind.ACCOUNT: AccountDetails,
}


class NewLinkSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Thing.Kind.choices)
    details = serializers.DictField(
        help_text="By kind. person: name, aliases, date_of_birth, approximate_age, "
        "description, relationship, ethnicity, nationality. vehicle: registration, make, "
        "colour, taxi, operator. place: address and postcode, or venue; place_type. phone: "
        "number. account: platform, handle."
    )
    learned_on = serializers.DateField()
    learned_how = serializers.ChoiceField(choices=Link.Learned.choices)
    restricted = serializers.BooleanField(default=False, help_text="Only your agency reads it.")

    def validate(self, data: dict) -> dict:
        details = DETAILS[data["kind"]](data=data["details"])
        if not details.is_valid():
            raise serializers.ValidationError({"details": details.errors})
        unknown = set(data["details"]) - set(details.fields)
        if unknown:
            raise serializers.ValidationError(
                {"details": {name: ["Not a field of this kind."] for name in sorted(unknown)}}
            )
        return {**data, "details": details.validated_data}


class MatchSerializer(serializers.ModelSerializer):
    reference = serializers.CharField()
    kind = serializers.ChoiceField(source="thing.kind", choices=Thing.Kind.choices)
    yours = serializers.SerializerMethodField(
        help_text="Your side's links that you may read: your agency's, or on a case it leads."
    )
    ask = AgencySerializer(
        many=True, source="ask_agencies", help_text="Whom to ask: the other side's recorder."
    )
    both_visible = serializers.BooleanField(
        help_text="You may see both cases and read both links (then `yours` holds both)."
    )

    class Meta:
        model = Match
        fields = ["id", "reference", "kind", "found_at", "yours", "ask", "both_visible"]

    def get_yours(self, match: Match) -> list[dict]:
        return LinkSerializer(match.readable, many=True).data


class AreaRowSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(source="thing.kind", choices=Thing.Kind.choices)
    thing = serializers.IntegerField(source="thing.pk")
    what = serializers.CharField(help_text="As the first link you may read wrote it.")
    cases = CaseSeenSerializer(many=True, source="seen")
    other_children = serializers.CharField(
        source="others_shown",
        help_text="Children you may not see: a number from the threshold up, else "
        '"fewer than" it (none included).',
    )


class AreaViewSerializer(serializers.Serializer):
    areas = serializers.ListField(child=serializers.CharField(), source="area_codes")
    since = serializers.DateField()
    threshold = serializers.IntegerField()
    rows = AreaRowSerializer(many=True)
    not_shown = serializers.DictField(
        child=serializers.CharField(), source="unseen_by_kind",
        help_text="Things linked to two or more children that you may not name, by kind.",
    )  # fmt: skip
    peers = serializers.CharField(help_text="Peers under 18: counted, never listed.")
    ethnicity = serializers.DictField(
        child=serializers.CharField(), source="ethnicity_counts",
        help_text="Adults of concern linked to two or more children, by recorded ethnicity.",
    )  # fmt: skip
    nationality = serializers.DictField(
        child=serializers.CharField(), source="nationality_counts",
        help_text="The same by nationality: named from the threshold up, the rest as one.",
    )  # fmt: skip
