"""An emergency access's expiry is carried to the permission row it gave.

Emergency access is a per-person `view_case` row in `cases` (written through cases.access)
that names the access as its source. Ending an access early, by changing its `expires_at`
however that is done (a service, the admin, a queryset update), must end the read at once:
the database keeps the row's expiry the access's own.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION sharing_emergency_expiry_to_permission() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cases_caseuserobjectpermission
       SET expires_at = NEW.expires_at
     WHERE source_type = 'emergency_access' AND source_id = NEW.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER sharing_emergencyaccess_expiry
    AFTER UPDATE OF expires_at ON sharing_emergencyaccess
    FOR EACH ROW WHEN (NEW.expires_at IS DISTINCT FROM OLD.expires_at)
    EXECUTE FUNCTION sharing_emergency_expiry_to_permission();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS sharing_emergencyaccess_expiry ON sharing_emergencyaccess;
DROP FUNCTION IF EXISTS sharing_emergency_expiry_to_permission();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("sharing", "0001_initial"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
