"""Related rows fetched by primary key, one query per related model, in place of joins.

PostgreSQL plans a query's joins before it runs it, and a row fetched with many related
rows joined in (`select_related`) can take far longer to plan than to run: a MASH contact
with its child, area, case, three agencies and three people took 12 ms to plan and 0.6 ms
to run on the national data (issue 18), because the planner weighs every order of ten
tables. Joining the few rows that narrow nothing, and fetching the others by their keys,
costs two cheap statements instead.
"""

from collections.abc import Iterable

from django.db.models import Model


def attach(objects: Iterable[Model], *names: str) -> None:
    """Set each forward foreign key `name` of each object, as `select_related` would: one
    query per related model, whatever the number of objects and keys."""
    objects = [obj for obj in objects if obj is not None]
    if not objects:
        return
    meta = type(objects[0])._meta
    fields_by_model: dict[type[Model], list] = {}
    for name in names:
        field = meta.get_field(name)
        fields_by_model.setdefault(field.related_model, []).append(field)
    for model, fields in fields_by_model.items():
        keys = {getattr(obj, f.attname) for obj in objects for f in fields} - {None}
        rows = model._base_manager.in_bulk(keys) if keys else {}
        for obj in objects:
            for f in fields:
                key = getattr(obj, f.attname)
                f.set_cached_value(obj, rows.get(key) if key is not None else None)
