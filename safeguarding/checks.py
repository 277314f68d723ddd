"""System checks for rules the project keeps across every app."""

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import models

# Written by code, never typed by a person.
NOT_FREE_TEXT = {"people.SignedInSession.session_data", "cases.Child.search_text"}


def unbounded_text_fields(fields) -> list[str]:
    """Names of free-text fields with no max_length (ASVS: every input is bounded)."""
    return [
        f"{field.model._meta.label}.{field.name}"
        for field in fields
        if isinstance(field, models.CharField | models.TextField)
        and not field.max_length
        and f"{field.model._meta.label}.{field.name}" not in NOT_FREE_TEXT
    ]


@checks.register()
def free_text_is_bounded(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    fields = [
        field
        for model in apps.get_models()
        if model._meta.app_label in settings.PROJECT_APPS
        for field in model._meta.get_fields()
        if field.concrete
    ]
    return [
        checks.Error(
            f"{name} has no max_length.",
            hint="Give every free-text field a length limit; forms and the API enforce it.",
            id="safeguarding.E001",
        )
        for name in unbounded_text_fields(fields)
    ]
