"""Each agency group's count of cases per permission, kept by the database (issue 18).

Statement-level triggers on cases_casegroupobjectpermission: each statement that inserts,
deletes or moves permission rows adds one row per group and permission it changed, with
the change, folded together with the key's earlier rows that no other transaction holds
(FOR UPDATE SKIP LOCKED): nothing waits on a count, so no two sharing transactions can
deadlock on one, and a key keeps about as many rows as transactions in flight. TRUNCATE
empties the counts. Then everything is counted from the rows once, under the lock the
triggers' creation holds, so nothing written meanwhile is missed.
"""

from django.db import migrations, models

# `changed`: the statement's change per group and permission, from its transition tables.
BODY = """
CREATE FUNCTION cases_count_group_permissions_EVENT() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    WITH changed AS (
        CHANGED
    ), folded AS (
        DELETE FROM cases_grouppermissioncount WHERE id IN (
            SELECT c.id FROM cases_grouppermissioncount c
            JOIN changed ON c.group_id = changed.group_id
                AND c.permission_id = changed.permission_id
            FOR UPDATE OF c SKIP LOCKED
        )
        RETURNING group_id, permission_id, cases
    )
    INSERT INTO cases_grouppermissioncount (group_id, permission_id, cases)
    SELECT changed.group_id, changed.permission_id, changed.n + COALESCE((
        SELECT sum(folded.cases) FROM folded
        WHERE folded.group_id = changed.group_id AND folded.permission_id = changed.permission_id
    ), 0)
    FROM changed;
    RETURN NULL;
END $$;
CREATE TRIGGER cases_casegroupobjectpermission_count_EVENT
    AFTER EVENT ON cases_casegroupobjectpermission REFERENCING
    FOR EACH STATEMENT EXECUTE FUNCTION cases_count_group_permissions_EVENT();
"""
# A transition table exists only in the trigger that declares it: a function per event.
EVENTS = {
    "insert": (
        "REFERENCING NEW TABLE AS new_rows",
        "SELECT group_id, permission_id, count(*) AS n FROM new_rows"
        " GROUP BY group_id, permission_id",
    ),
    "delete": (
        "REFERENCING OLD TABLE AS old_rows",
        "SELECT group_id, permission_id, -count(*) AS n FROM old_rows"
        " GROUP BY group_id, permission_id",
    ),
    "update": (
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "SELECT group_id, permission_id, sum(n) AS n FROM ("
        "SELECT group_id, permission_id, 1 AS n FROM new_rows UNION ALL "
        "SELECT group_id, permission_id, -1 AS n FROM old_rows) d"
        " GROUP BY group_id, permission_id HAVING sum(n) <> 0",
    ),
}
FORWARD = (
    "".join(  # noqa: S608 - constants only, nothing from outside
        BODY.replace("CHANGED", changed)
        .replace("AFTER EVENT", "AFTER " + event.upper())
        .replace("EVENT", event)
        .replace("REFERENCING\n", referencing + "\n")
        for event, (referencing, changed) in EVENTS.items()
    )
    + """
CREATE FUNCTION cases_count_group_permissions_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM cases_grouppermissioncount;
    RETURN NULL;
END $$;
CREATE TRIGGER cases_casegroupobjectpermission_count_truncate
    AFTER TRUNCATE ON cases_casegroupobjectpermission
    FOR EACH STATEMENT EXECUTE FUNCTION cases_count_group_permissions_truncate();

-- For a loader that turned triggers off (session_replication_role = replica), and here.
CREATE FUNCTION cases_recount_group_permissions() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE cases_casegroupobjectpermission IN SHARE MODE;
    DELETE FROM cases_grouppermissioncount;
    INSERT INTO cases_grouppermissioncount (group_id, permission_id, cases)
    SELECT group_id, permission_id, count(*) FROM cases_casegroupobjectpermission
    GROUP BY group_id, permission_id;
END $$;
SELECT cases_recount_group_permissions();
"""
)
BACKWARD = """
DROP TRIGGER cases_casegroupobjectpermission_count_insert ON cases_casegroupobjectpermission;
DROP TRIGGER cases_casegroupobjectpermission_count_delete ON cases_casegroupobjectpermission;
DROP TRIGGER cases_casegroupobjectpermission_count_update ON cases_casegroupobjectpermission;
DROP TRIGGER cases_casegroupobjectpermission_count_truncate ON cases_casegroupobjectpermission;
DROP FUNCTION cases_count_group_permissions_insert();
DROP FUNCTION cases_count_group_permissions_delete();
DROP FUNCTION cases_count_group_permissions_update();
DROP FUNCTION cases_count_group_permissions_truncate();
DROP FUNCTION cases_recount_group_permissions();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_meeting_entry_category"),
    ]

    operations = [
        migrations.CreateModel(
            name="GroupPermissionCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("group_id", models.IntegerField()),
                ("permission_id", models.IntegerField()),
                ("cases", models.BigIntegerField()),
            ],
            options={
                "indexes": [
                    models.Index(fields=["group_id", "permission_id"], name="group_perm_count")
                ],
            },
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
