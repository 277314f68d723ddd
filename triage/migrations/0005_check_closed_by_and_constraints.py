"""Who closed a partner check (empty when the MASH's decision closed it), the outstanding
checks' index without closed ones, and the database's rules: a check is never both answered
and closed, and a closed check says why (0004's closures all do)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_sign_in_failures_in_the_database"),
        ("triage", "0004_check_closed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="partnercheck",
            name="check_outstanding",
        ),
        migrations.AddField(
            model_name="partnercheck",
            name="closed_by",
            field=models.ForeignKey(
                blank=True,
                help_text="The manager who closed it; empty when a decision did.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="partnercheck",
            index=models.Index(
                condition=models.Q(("answered_at__isnull", True), ("closed_at__isnull", True)),
                fields=["agency", "due_at"],
                name="check_outstanding",
            ),
        ),
        migrations.AddConstraint(
            model_name="partnercheck",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("answered_at__isnull", True), ("closed_at__isnull", True), _connector="OR"
                ),
                name="check_answered_or_closed",
            ),
        ),
        migrations.AddConstraint(
            model_name="partnercheck",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("closed_at__isnull", True),
                    models.Q(("closed_reason", ""), _negated=True),
                    _connector="OR",
                ),
                name="check_closed_with_reason",
            ),
        ),
    ]
