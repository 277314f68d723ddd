"""The Safeguarding Hub project: settings, URLs, the Celery app and the dev services."""

from safeguarding.celery import app as celery_app

__all__ = ["celery_app"]
