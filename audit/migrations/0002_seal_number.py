"""Seals are numbered 1, 2, 3, ... in chain order, and each number is unique.

The number is what leaves the database with each seal's hash (the published seal file,
the daily digest), so a published seal can be found again in the chain, and `verify_audit`
checks the numbers run without a break from 1. It is not part of the seal's hash, so
existing seals still verify. Existing rows are numbered in chain order (last_event_id),
which is the order the sealer made them in; the append-only trigger is switched off for
that one UPDATE by the migrating role, which owns the table (SECURITY.md, database roles).
"""

from django.db import migrations, models

BACKFILL = """
ALTER TABLE audit_seal DISABLE TRIGGER audit_seal_no_update_or_delete;
UPDATE audit_seal SET number = numbered.n
  FROM (SELECT id, row_number() OVER (ORDER BY last_event_id) AS n FROM audit_seal) AS numbered
 WHERE audit_seal.id = numbered.id;
ALTER TABLE audit_seal ENABLE ALWAYS TRIGGER audit_seal_no_update_or_delete;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="seal",
            name="number",
            field=models.BigIntegerField(null=True),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="seal",
            name="number",
            field=models.BigIntegerField(),
        ),
        migrations.AddConstraint(
            model_name="seal",
            constraint=models.UniqueConstraint(fields=("number",), name="audit_seal_number_unique"),
        ),
        migrations.AddConstraint(
            model_name="seal",
            constraint=models.CheckConstraint(
                condition=models.Q(("number__gte", 1)), name="audit_seal_number_positive"
            ),
        ),
    ]
