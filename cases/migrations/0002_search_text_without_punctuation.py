"""Recompute every child's `search_text` now that names are compared without punctuation
or spaces (cases.models.searchable): "Smith Jones" finds Smith-Jones, "OBrien" O'Brien.

Child rows may be updated (the append-only triggers guard only cases_entry and
cases_screening). In batches, so a national table never sits in memory; the trigram index
follows the new text.
"""

from django.db import migrations

from cases.models import searchable_names

BATCH = 2000


def recompute_search_text(apps, schema_editor) -> None:
    """Each child's full name, then its aliases sorted, as cases.services.create_child does."""
    Child = apps.get_model("cases", "Child")
    Alias = apps.get_model("cases", "Alias")
    last_pk = 0
    while True:
        batch = list(Child.objects.filter(pk__gt=last_pk).order_by("pk")[:BATCH])
        if not batch:
            return
        aliases: dict[int, list[str]] = {}
        for child_id, name in Alias.objects.filter(child__in=batch).values_list("child", "name"):
            aliases.setdefault(child_id, []).append(name)
        for child in batch:
            full_name = f"{child.first_name} {child.last_name}"
            child.search_text = searchable_names(full_name, sorted(aliases.get(child.pk, [])))
        Child.objects.bulk_update(batch, ["search_text"])
        last_pk = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(recompute_search_text, migrations.RunPython.noop)]
