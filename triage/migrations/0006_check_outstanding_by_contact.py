"""The triage screen's count of its contacts' outstanding checks, read from an index alone
(issue 18). Built without locking the table against writes, as partner checks are answered
all day."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("triage", "0005_check_closed_by_and_constraints"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="partnercheck",
            index=models.Index(
                condition=models.Q(("answered_at__isnull", True), ("closed_at__isnull", True)),
                fields=["contact"],
                include=("due_at",),
                name="check_outstanding_by_contact",
            ),
        ),
    ]
