"""Before a migration adds a constraint, it looks for the rows that would break it and stops
with a list for a person to resolve (issue 23). A migration never merges, closes or deletes
records itself: which of two open cases is the real one is a practitioner's decision, and
the chronology must say who made it.
"""

from collections.abc import Callable

SHOWN = 50  # rows listed in the message; the count says how many in all


class RowsBreakTheConstraint(RuntimeError):
    """The migration stopped, having changed nothing."""


def stop_if_any(sql: str, columns: str, constraint: str, resolve: str) -> Callable:
    """A `RunPython` step: raise `RowsBreakTheConstraint` listing the rows `sql` finds (each
    described by `columns`), or do nothing when there are none."""

    def check(apps, schema_editor) -> None:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)
            rows = cursor.fetchall()
        if not rows:
            return
        listed = "\n".join("  " + " | ".join(str(value) for value in row) for row in rows[:SHOWN])
        more = f"\n  … and {len(rows) - SHOWN} more" if len(rows) > SHOWN else ""
        raise RowsBreakTheConstraint(
            f"Stopped before adding {constraint}: {len(rows)} group(s) of rows break it, and "
            f"nothing was changed.\n  {columns}\n{listed}{more}\n{resolve} Then run migrate "
            "again."
        )

    check.__name__ = f"no_rows_breaking_{constraint}"
    return check
