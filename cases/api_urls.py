"""The case API under /api/v1/: children, cases, entries, screenings, shares."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
