"""Pages for children, cases, the chronology, screenings, shares and emergency access."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
