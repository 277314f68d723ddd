"""The MASH triage API under /api/v1/: contacts, ratings, checks, decisions, counts."""

from django.urls import path

from triage import api

urlpatterns = [
    path("contacts/", api.contacts, name="api-contacts"),
    path("contacts/<int:contact_id>/", api.contact, name="api-contact"),
    path("contacts/<int:contact_id>/rating/", api.rating, name="api-contact-rating"),
    path("contacts/<int:contact_id>/checks/", api.checks, name="api-contact-checks"),
    path("contacts/<int:contact_id>/decision/", api.decision, name="api-contact-decision"),
    path("checks/<int:check_id>/answer/", api.answer, name="api-check-answer"),
    path("triage/summary/", api.summary, name="api-triage-summary"),
]
