"""Things of concern and their links to cases (issue 20, item 1).

A `Thing` is one person, vehicle, place, phone number or account, by its normalised key
(links.normalise): the same registration written by two agencies on two children's cases
is one thing with two links. A person known only by name has no key, so each such link is
a thing of its own, never matched automatically. A `Link` is one agency's record of a
thing on one case: the thing as that agency wrote it, when and how it was learned, and
whether only that agency may read it (like a restricted entry).
"""

from django.conf import settings
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

    class Meta:
        indexes = [
            models.Index(fields=["case", "-recorded_at", "-id"], name="link_case_time"),
            models.Index(fields=["thing", "case"], name="link_thing_case"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.thing_id}"
