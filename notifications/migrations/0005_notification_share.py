"""A notification is linked to the share its event made for the agency told, so the agency
acknowledges the one event once (a placement notice and the view access it gave).

Notifications written before are linked where the share is plainly the event's: same case
and agency, made by rule by the same person for the same purpose, within a minute of it.
"""

import datetime as dt

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

# The event's kind, the share's lawful basis and the start of its purpose (missing.services).
MADE_BY = [
    ("placement", "placement", "Child placed in "),
    ("missing", "ca2004_s11", "Child reported missing in "),
]
NEAR = dt.timedelta(minutes=1)


def link(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Share = apps.get_model("sharing", "Share")
    for kind, basis, purpose in MADE_BY:
        made = Share.objects.filter(
            case=OuterRef("case"),
            agency=OuterRef("agency"),
            shared_by=OuterRef("caused_by"),
            lawful_basis=basis,
            purpose__startswith=purpose,
            shared_at__gte=OuterRef("created_at") - NEAR,
            shared_at__lte=OuterRef("created_at") + NEAR,
        ).order_by("pk")
        Notification.objects.filter(kind=kind, share__isnull=True, case__isnull=False).update(
            share=Subquery(made.values("pk")[:1])
        )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_notification_withdrawn_and_check_closed"),
        ("sharing", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="share",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="notifications",
                to="sharing.share",
            ),
        ),
        migrations.RunPython(link, migrations.RunPython.noop),
    ]
