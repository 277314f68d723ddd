"""Each agency group's high-risk screenings and assessments, kept by the database (issue 18).

The triage screen's counts of the week's high-risk screenings and assessments joined every
recent one in the country to the agency's permission rows: 1,221 screenings nationally
against 102 in the county. Here each (group, kind, record) on a case the group may view is
a row of its own, read through an index by group, kind and time.

Row triggers: a high-risk screening's insert (screenings are append-only, migration 0001)
or a standing high-risk assessment's insert adds a row for each group that may view its
case; an assessment's change of case, level, standing or time, or its deletion, takes its
rows away and adds them again as it now is. A view permission row's insert adds a row for
each of the case's high-risk records; its deletion (or move) takes them away. Other
permissions (contribute, manage) are not kept: only seeing counts, and they would more
than double the table.

A share and a screening committed at once must each see the other. Both kinds of trigger
lock the case row before they read: a record's FOR NO KEY UPDATE, a permission row's FOR
SHARE, which wait for each other and not for themselves (two shares of one case do not
queue), nor for the foreign keys' FOR KEY SHARE. In READ COMMITTED each statement of a
trigger function takes a fresh snapshot, so the one that waited sees what the other
committed. TRUNCATE of the permission rows empties the table. Then the rows are built once
under SHARE locks on the three tables, so nothing written meanwhile is missed (on the
national bench data, 1,000,000 cases: 544,000 rows in about 9 s); a loader that turned
triggers off (generate_synthetic) calls the same function.

The view permission's id is looked up when a trigger runs (`cases_view_permission()`):
permissions are made after the migrations, and again after a test's flush.
"""

from django.db import migrations, models

# An assessment counts once its level is high and stands (no agreement awaited, issue 21).
FORWARD = """
CREATE FUNCTION cases_view_permission() RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT p.id FROM auth_permission p
    JOIN django_content_type t ON t.id = p.content_type_id
    WHERE t.app_label = 'cases' AND t.model = 'case' AND p.codename = 'view_case'
$$;

CREATE FUNCTION cases_high_risk_screening_added() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM cases_case WHERE id = NEW.case_id FOR NO KEY UPDATE;
    INSERT INTO cases_grouphighrisk (group_id, case_id, kind, record_id, at)
    SELECT p.group_id, NEW.case_id, 'screening', NEW.id, NEW.screened_at
    FROM cases_casegroupobjectpermission p
    WHERE p.content_object_id = NEW.case_id AND p.permission_id = cases_view_permission()
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER cases_screening_high_risk AFTER INSERT ON cases_screening
    FOR EACH ROW WHEN (NEW.risk_level = 'high')
    EXECUTE FUNCTION cases_high_risk_screening_added();

CREATE FUNCTION cases_high_risk_assessment_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM 1 FROM cases_case WHERE id = NEW.case_id FOR NO KEY UPDATE;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM 1 FROM cases_case WHERE id = OLD.case_id FOR NO KEY UPDATE;
    ELSE  -- both cases of a move, in id order
        PERFORM 1 FROM cases_case WHERE id IN (OLD.case_id, NEW.case_id)
        ORDER BY id FOR NO KEY UPDATE;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        -- By its case too: the rows' index is by case (no index leads with the record).
        DELETE FROM cases_grouphighrisk
        WHERE case_id = OLD.case_id AND kind = 'assessment' AND record_id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.level = 'high' AND NOT NEW.needs_agreement THEN
        INSERT INTO cases_grouphighrisk (group_id, case_id, kind, record_id, at)
        SELECT p.group_id, NEW.case_id, 'assessment', NEW.id, NEW.assessed_at
        FROM cases_casegroupobjectpermission p
        WHERE p.content_object_id = NEW.case_id AND p.permission_id = cases_view_permission()
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER cases_assessment_high_risk_insert AFTER INSERT ON cases_assessment
    FOR EACH ROW WHEN (NEW.level = 'high' AND NOT NEW.needs_agreement)
    EXECUTE FUNCTION cases_high_risk_assessment_changed();
-- An agreement (agreed_by, agreed_at) changes nothing here: only these columns.
CREATE TRIGGER cases_assessment_high_risk_update
    AFTER UPDATE OF case_id, level, needs_agreement, assessed_at ON cases_assessment
    FOR EACH ROW EXECUTE FUNCTION cases_high_risk_assessment_changed();
CREATE TRIGGER cases_assessment_high_risk_delete AFTER DELETE ON cases_assessment
    FOR EACH ROW EXECUTE FUNCTION cases_high_risk_assessment_changed();

CREATE FUNCTION cases_high_risk_permission_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    -- OLD is NULL in an insert and NEW in a deletion: each test is then false.
    viewing integer := cases_view_permission();
    gone boolean := COALESCE(TG_OP <> 'INSERT' AND OLD.permission_id = viewing, false);
    came boolean := COALESCE(TG_OP <> 'DELETE' AND NEW.permission_id = viewing, false);
BEGIN
    IF gone AND came THEN  -- both cases of a move, in id order
        PERFORM 1 FROM cases_case WHERE id IN (OLD.content_object_id, NEW.content_object_id)
        ORDER BY id FOR SHARE;
    ELSIF gone THEN
        PERFORM 1 FROM cases_case WHERE id = OLD.content_object_id FOR SHARE;
    ELSIF came THEN
        PERFORM 1 FROM cases_case WHERE id = NEW.content_object_id FOR SHARE;
    END IF;
    IF gone THEN
        DELETE FROM cases_grouphighrisk
        WHERE case_id = OLD.content_object_id AND group_id = OLD.group_id;
    END IF;
    IF came THEN
        INSERT INTO cases_grouphighrisk (group_id, case_id, kind, record_id, at)
        SELECT NEW.group_id, s.case_id, 'screening', s.id, s.screened_at
        FROM cases_screening s
        WHERE s.case_id = NEW.content_object_id AND s.risk_level = 'high'
        UNION ALL
        SELECT NEW.group_id, a.case_id, 'assessment', a.id, a.assessed_at
        FROM cases_assessment a
        WHERE a.case_id = NEW.content_object_id AND a.level = 'high' AND NOT a.needs_agreement
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER cases_casegroupobjectpermission_high_risk
    AFTER INSERT OR UPDATE OR DELETE ON cases_casegroupobjectpermission
    FOR EACH ROW EXECUTE FUNCTION cases_high_risk_permission_changed();

CREATE FUNCTION cases_high_risk_permissions_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM cases_grouphighrisk;
    RETURN NULL;
END $$;
CREATE TRIGGER cases_casegroupobjectpermission_high_risk_truncate
    AFTER TRUNCATE ON cases_casegroupobjectpermission
    FOR EACH STATEMENT EXECUTE FUNCTION cases_high_risk_permissions_truncated();

-- For a loader that turned triggers off (session_replication_role = replica), and here.
CREATE FUNCTION cases_rebuild_high_risk() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE cases_casegroupobjectpermission, cases_screening, cases_assessment
        IN SHARE MODE;
    DELETE FROM cases_grouphighrisk;
    INSERT INTO cases_grouphighrisk (group_id, case_id, kind, record_id, at)
    SELECT p.group_id, s.case_id, 'screening', s.id, s.screened_at
    FROM cases_screening s
    JOIN cases_casegroupobjectpermission p ON p.content_object_id = s.case_id
    WHERE s.risk_level = 'high' AND p.permission_id = cases_view_permission()
    UNION ALL
    SELECT p.group_id, a.case_id, 'assessment', a.id, a.assessed_at
    FROM cases_assessment a
    JOIN cases_casegroupobjectpermission p ON p.content_object_id = a.case_id
    WHERE a.level = 'high' AND NOT a.needs_agreement
        AND p.permission_id = cases_view_permission();
END $$;
SELECT cases_rebuild_high_risk();
"""
BACKWARD = """
DROP TRIGGER cases_screening_high_risk ON cases_screening;
DROP TRIGGER cases_assessment_high_risk_insert ON cases_assessment;
DROP TRIGGER cases_assessment_high_risk_update ON cases_assessment;
DROP TRIGGER cases_assessment_high_risk_delete ON cases_assessment;
DROP TRIGGER cases_casegroupobjectpermission_high_risk ON cases_casegroupobjectpermission;
DROP TRIGGER cases_casegroupobjectpermission_high_risk_truncate
    ON cases_casegroupobjectpermission;
DROP FUNCTION cases_high_risk_screening_added();
DROP FUNCTION cases_high_risk_assessment_changed();
DROP FUNCTION cases_high_risk_permission_changed();
DROP FUNCTION cases_high_risk_permissions_truncated();
DROP FUNCTION cases_rebuild_high_risk();
DROP FUNCTION cases_view_permission();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_group_permission_counts"),
    ]

    operations = [
        migrations.CreateModel(
            name="GroupHighRisk",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("group_id", models.IntegerField()),
                ("case_id", models.BigIntegerField()),
                (
                    "kind",
                    models.CharField(
                        choices=[("screening", "Screening"), ("assessment", "Assessment")],
                        max_length=20,
                    ),
                ),
                ("record_id", models.BigIntegerField()),
                ("at", models.DateTimeField()),
            ],
            options={
                "indexes": [
                    models.Index(fields=["group_id", "kind", "-at"], name="group_high_risk_recent"),
                    models.Index(fields=["case_id"], name="group_high_risk_case"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("group_id", "kind", "record_id"),
                        name="group_high_risk_once",
                    )
                ],
            },
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
