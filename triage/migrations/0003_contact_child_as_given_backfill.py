"""Keep with every contact the child as the referrer gave them, picked children too.

Until now only a new child typed on the form was kept (`child_as_given`); a contact about a
child the referrer picked showed the referrer the record, if their agency still knew the
child, else "The child with the NHS number you gave". From now on `record_contact` keeps a
picked child as the referrer was shown them (`"picked": true`). Here the contacts recorded
before are filled in where the referrer's agency knew the child when the contact was
recorded, so the name is one they were shown then: it recorded the child itself, held a
share on one of the child's cases, or (a MASH passing a contact on) had received a contact
about the child. The name is the record's as it is now (its earlier spellings are not
kept). Contacts where none of this holds are left empty: their referrers see no name.
"""

from django.db import migrations
from django.db.models import Exists, F, OuterRef, Q

BATCH = 1000


def backfill(apps, schema_editor):
    Contact = apps.get_model("triage", "Contact")
    Share = apps.get_model("sharing", "Share")
    held_share = Share.objects.filter(
        Q(revoked_at__isnull=True) | Q(revoked_at__gt=OuterRef("recorded_at")),
        case__child=OuterRef("child"),
        agency=OuterRef("referring_agency"),
        shared_at__lte=OuterRef("recorded_at"),
    )
    received_before = Contact.objects.filter(
        child=OuterRef("child"),
        mash=OuterRef("referring_agency"),
        recorded_at__lt=OuterRef("recorded_at"),
    )
    rows = (
        Contact.objects.filter(child_as_given={})
        .filter(
            Q(child__created_by__agency=F("referring_agency"))
            | Exists(held_share)
            | Exists(received_before)
        )
        .select_related("child")
        .only("pk", "child", "child__first_name", "child__last_name", "child__date_of_birth")
    )
    batch = []
    for contact in rows.iterator(chunk_size=BATCH):
        child = contact.child
        born = child.date_of_birth
        contact.child_as_given = {
            "first_name": child.first_name,
            "last_name": child.last_name,
            "date_of_birth": born.isoformat() if born else None,
            "picked": True,
        }
        batch.append(contact)
        if len(batch) == BATCH:
            Contact.objects.bulk_update(batch, ["child_as_given"])
            batch = []
    if batch:
        Contact.objects.bulk_update(batch, ["child_as_given"])


class Migration(migrations.Migration):
    dependencies = [
        ("triage", "0002_check_summary_without_deadline"),
        ("sharing", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
