"""The language prompts' phrase list (cases.language), kept by platform admins.

Agency admins hold no permission on it, so the admin refuses them (403), as it does areas
and agencies. Every change is an `admin_change` audit event (people.admin_audit)."""

from django.contrib import admin

from cases.models import Phrase
from people.admin_audit import AuditedAdmin


@admin.register(Phrase)
class PhraseAdmin(AuditedAdmin):
    list_display = ["words", "active", "source"]
    list_filter = ["active"]
    search_fields = ["words", "instead", "why"]
    fields = ["words", "instead", "why", "source", "active"]
