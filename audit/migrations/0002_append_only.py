"""The audit log is append-only, and the database itself enforces it.

Row triggers refuse UPDATE and DELETE; a statement trigger refuses TRUNCATE (which fires
no DELETE trigger). Both are ENABLE ALWAYS, so `SET session_replication_role = replica`
does not skip them. An owner of the table can still disable triggers, which is why in
production the application role does not own it (see SECURITY.md).
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_event_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_event_no_truncate
    BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
ALTER TABLE audit_event ENABLE ALWAYS TRIGGER audit_event_no_update_or_delete;
ALTER TABLE audit_event ENABLE ALWAYS TRIGGER audit_event_no_truncate;
"""

BACKWARD = """
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event;
DROP TRIGGER IF EXISTS audit_event_no_update_or_delete ON audit_event;
DROP FUNCTION IF EXISTS audit_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_event")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
