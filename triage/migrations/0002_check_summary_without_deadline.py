"""A partner check's notification no longer carries its deadline in its text.

The text was written once, when the check was asked, so a re-rating (or anything else that
moved the check's due time) left the inbox saying one time and the check page another.
The deadline is said from the notification's `acknowledge_by`, kept equal to the check's
`due_at` (triage.services.check_summary). Existing summaries lose their ", by ..." tail.
"""

from django.db import migrations
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Concat

SAID = ": the MASH asks what your agency holds on a child"


def drop_deadline(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    PartnerCheck = apps.get_model("triage", "PartnerCheck")
    Notification.objects.filter(kind="partner_check").update(
        summary=Concat(Value("Contact "), F("subject_reference"), Value(SAID))
    )
    # And one deadline from here on: each check's notification says the check's due time
    # (an acknowledged one too; before, a re-rating moved only those not acknowledged).
    due = PartnerCheck.objects.filter(pk=OuterRef("subject_id"), agency_id=OuterRef("agency_id"))
    Notification.objects.filter(kind="partner_check").update(
        acknowledge_by=Coalesce(Subquery(due.values("due_at")[:1]), F("acknowledge_by"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("triage", "0001_initial"),
        ("notifications", "0003_delivery_sending_since"),
    ]

    operations = [migrations.RunPython(drop_deadline, migrations.RunPython.noop)]
