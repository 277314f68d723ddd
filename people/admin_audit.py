"""Every change made through the Django admin is also an audit event.

Django's own admin log (django_admin_log) is an ordinary, editable table; the audit log is
append-only. The event names the record and the fields changed, never their new values.
"""

from django.contrib import admin

from audit.actions import Action
from audit.services import record


class AuditedAdmin(admin.ModelAdmin):
    def log_addition(self, request, obj, message):
        self._audit(request, obj, "added", message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(request, obj, "changed", message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(request, obj, "deleted", "")
        return super().log_deletions(request, queryset)

    def _audit(self, request, obj, what: str, message) -> None:
        fields = sorted(
            {field for entry in message or [] if isinstance(entry, dict)
             for part in entry.values() for field in part.get("fields", [])}
        ) if isinstance(message, list) else []  # fmt: skip
        detail = {"change": what, "fields": fields}
        if isinstance(message, str) and message:
            detail["note"] = message[:100]
        record(
            Action.ADMIN_CHANGE,
            request=request,
            target_type=obj._meta.model_name,
            target_id=obj.pk,
            detail=detail,
        )
