"""The Celery app. Configuration lives in settings.py under the CELERY_ prefix."""

import os

from celery import Celery, Task

from audit.context import audit_context

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguarding.settings")


class AuditedTask(Task):
    """A task's audit events carry its own id as their request id (audit/context.py)."""

    def __call__(self, *args, **kwargs):
        with audit_context(request_id=f"task-{self.request.id or 'eager'}"[:64]):
            return super().__call__(*args, **kwargs)


app = Celery("safeguarding", task_cls=AuditedTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery's Django fixup closes the database connection around every task unless this is
# set, which nearly doubles the time from outbox row to delivery (see DESIGN.md).
app.conf["CELERY_DB_REUSE_MAX"] = 1000
app.autodiscover_tasks()
app.autodiscover_tasks(["safeguarding"])
