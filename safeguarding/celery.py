"""The Celery app. Configuration lives in settings.py under the CELERY_ prefix."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguarding.settings")

app = Celery("safeguarding")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery's Django fixup closes the database connection around every task unless this is
# set, which nearly doubles the time from outbox row to delivery (see DESIGN.md).
app.conf["CELERY_DB_REUSE_MAX"] = 1000
app.autodiscover_tasks()
app.autodiscover_tasks(["safeguarding"])
