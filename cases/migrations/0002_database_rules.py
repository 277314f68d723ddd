"""What the database itself enforces for cases.

- Chronology entries and screenings are append-only: row triggers refuse UPDATE and
  DELETE, a statement trigger refuses TRUNCATE, all ENABLE ALWAYS (as for audit events).
- Case references come from a sequence, so two agencies opening cases at once never
  collide and no number is reused.
- A trigram index makes partial, accent-free name search an index scan.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

APPEND_ONLY = ["cases_entry", "cases_screening"]

FUNCTION = """
CREATE FUNCTION cases_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'chronology records are append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


def triggers(table: str) -> str:
    return f"""
CREATE TRIGGER {table}_no_update_or_delete BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION cases_refuse_change();
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION cases_refuse_change();
ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_no_update_or_delete;
ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_no_truncate;
"""


FORWARD = (
    FUNCTION
    + "".join(triggers(t) for t in APPEND_ONLY)
    + """
CREATE SEQUENCE cases_case_reference_seq;
CREATE INDEX child_search_text_trgm ON cases_child USING gin (search_text gin_trgm_ops);
"""
)

BACKWARD = (
    "DROP INDEX IF EXISTS child_search_text_trgm; DROP SEQUENCE IF EXISTS cases_case_reference_seq;"
    + "".join(
        f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t};"
        f"DROP TRIGGER IF EXISTS {t}_no_update_or_delete ON {t};"
        for t in APPEND_ONLY
    )
    + "DROP FUNCTION IF EXISTS cases_refuse_change();"
)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [TrigramExtension(), migrations.RunSQL(FORWARD, BACKWARD)]
