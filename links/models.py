"""Things of concern and their links to cases (issue 20, item 1).

A `Thing` is one person, vehicle, place, phone number or account, by its normalised key
(links.normalise): the same registration written by two agencies on two children's cases
is one thing with two links. A person known only by name has no key, so each such link is
a thing of its own, never matched automatically. A `Link` is one agency's record of a
thing on one case: the thing as that agency wrote it, when and how it was learned, and
whether only that agency may read it (like a restricted entry).
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone


class Thing(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        VEHICLE = "vehicle", "Vehicle"
        PLACE = "place", "Place"
        PHONE = "phone", "Phone number"
        ACCOUNT = "account", "Social media account"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Empty for a person known only by name: never matched, a thing of its own.
    key = models.CharField(max_length=400, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"], condition=~models.Q(key=""),
                name="thing_one_per_key",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class Link(models.Model):
    class Learned(models.TextChoices):
        DISCLOSURE = "disclosure", "Disclosure"
        SIGHTING = "sighting", "Sighting"
        INTELLIGENCE = "intelligence", "Intelligence"
        RETURN_INTERVIEW = "return_interview", "Return home interview"
        OTHER = "other", "Other"

    class Relationship(models.TextChoices):
        ADULT_OF_CONCERN = "adult_of_concern", "Adult of concern"
        PEER = "peer", "Peer (under 18)"
        ASSOCIATE = "associate", "Associate"

    class PlaceType(models.TextChoices):
        HOTEL = "hotel", "Hotel"
        TAKEAWAY = "takeaway", "Takeaway"
        PARK = "park", "Park"
        FLAT = "flat", "Flat or house"
        SHOP = "shop", "Shop"
        OTHER = "other", "Other"

    # Asked of a person of concern, as the national audit asked: "not known" and "declined"
    # are answers. Never a filter or a column of a list: aggregate figures only.
    class Ethnicity(models.TextChoices):
        NOT_KNOWN = "not_known", "Not known"
        DECLINED = "declined", "Declined to say"
        ASIAN = "asian", "Asian or Asian British"
        BLACK = "black", "Black, Black British, Caribbean or African"
        MIXED = "mixed", "Mixed or multiple ethnic groups"
        WHITE = "white", "White"
        OTHER = "other", "Other ethnic group"

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="links")
    thing = models.ForeignKey(Thing, on_delete=models.PROTECT, related_name="links")
    agency = models.ForeignKey("people.Agency", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    learned_on = models.DateField()
    learned_how = models.CharField(max_length=20, choices=Learned.choices)
    restricted = models.BooleanField(default=False)
    # The thing as this agency wrote it (by kind: links.services.FIELDS); shown, never matched.
    written = models.JSONField(default=dict)
    # When the worker compared it with the thing's other links (links.matching): null until
    # then, so a link whose task was lost (Redis down) is found by the sweep.
    matched_at = models.DateTimeField(null=True, blank=True)
    # A person's name and other names as child search compares them (links.normalise.name):
    # what similar names are suggested by, to a person who may see both cases; never a
    # match, never merged. Empty for other kinds.
    name_keys = ArrayField(models.CharField(max_length=300), default=list, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["case", "-recorded_at", "-id"], name="link_case_time"),
            models.Index(fields=["thing", "case"], name="link_thing_case"),
            models.Index(fields=["recorded_by", "-recorded_at"], name="link_person_time"),
            models.Index(fields=["recorded_at"], condition=models.Q(matched_at__isnull=True),
                         name="link_to_match"),
            GinIndex(fields=["name_keys"], name="link_name_keys"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.case_id} {self.thing_id}"

    @property
    def short(self) -> str:
        """The thing in a few words, as this agency wrote it (charts, lists, the CSV)."""
        return short(self.thing.kind, self.written)


def short(kind: str, written: dict) -> str:
    """A thing in a few words from what was written of it: name, registration, place."""
    text = {
        Thing.Kind.PERSON: written.get("name"),
        Thing.Kind.VEHICLE: written.get("registration"),
        Thing.Kind.PLACE: written.get("venue") or written.get("address"),
        Thing.Kind.PHONE: written.get("number"),
    }.get(kind)
    if kind == Thing.Kind.ACCOUNT:
        text = f"{written.get('handle', '')} on {written.get('platform', '')}"
    if kind == Thing.Kind.PLACE and written.get("postcode"):
        text = f"{text}, {written['postcode']}"
    return " ".join(str(text or "").split())


class Match(models.Model):
    """Two links of one thing on two different cases, found by the worker (links.matching).

    Each side's recording agency, and the agency leading each side's case where that link is
    not restricted, is told only that the other side exists and whom to ask: never the other
    child, case or content. `first` is the link that was there before, `second` the newer.
    """

    thing = models.ForeignKey(Thing, on_delete=models.PROTECT, related_name="matches")
    first = models.ForeignKey(Link, on_delete=models.PROTECT, related_name="+")
    second = models.ForeignKey(Link, on_delete=models.PROTECT, related_name="+")
    found_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "matches"
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="match_once"),
            models.CheckConstraint(condition=~models.Q(first=models.F("second")),
                                   name="match_two_links"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["-found_at", "-id"], name="match_found")]

    def __str__(self) -> str:
        return f"match {self.pk}: links {self.first_id} and {self.second_id}"

    @property
    def reference(self) -> str:
        """What the inbox calls it: no case, no child."""
        return f"Match {self.pk}"
