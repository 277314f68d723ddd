"""A partner check can close unanswered: overtaken by the MASH's decision (or, item 5, a
manager's close with a reason: who closed it, and the database's rules, in 0005). Checks left open on contacts decided before now are closed
as of their decision, and their requests withdrawn so they stop escalating; their partners
are not sent a notice now (the decisions are past: the check page says why it closed).
"""

from django.db import migrations, models
from django.db.models import Exists, OuterRef, Subquery

from safeguarding.uk_time import day_said, local


def close_overtaken(apps, schema_editor):
    PartnerCheck = apps.get_model("triage", "PartnerCheck")
    Notification = apps.get_model("notifications", "Notification")
    left_open = PartnerCheck.objects.filter(
        answered_at__isnull=True, closed_at__isnull=True, contact__state="decided"
    ).select_related("contact")
    for check in left_open.iterator(chunk_size=1000):
        decided = check.contact.decided_at
        check.closed_at = decided
        check.closed_reason = f"overtaken by the decision on {day_said(local(decided).date())}"
        check.save(update_fields=["closed_at", "closed_reason"])
    closed = PartnerCheck.objects.filter(
        pk=OuterRef("subject_id"), agency_id=OuterRef("agency_id"), closed_at__isnull=False
    )
    Notification.objects.filter(
        Exists(closed), kind="partner_check", acknowledged_at__isnull=True,
        withdrawn_at__isnull=True,
    ).update(withdrawn_at=Subquery(closed.values("closed_at")[:1]))  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("triage", "0003_contact_child_as_given_backfill"),
        ("notifications", "0004_notification_withdrawn_and_check_closed"),
    ]

    operations = [
        migrations.AddField(
            model_name="partnercheck",
            name="closed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="partnercheck",
            name="closed_reason",
            field=models.TextField(
                blank=True,
                db_default="",
                default="",
                max_length=1000,
                verbose_name="why the MASH closed it",
            ),
        ),
        migrations.RunPython(close_overtaken, migrations.RunPython.noop),
    ]
