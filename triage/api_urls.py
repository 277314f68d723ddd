"""The MASH triage API under /api/v1/: contacts, ratings, checks, decisions, counts."""

from django.urls import path

from triage import api as api_mash

urlpatterns = [
    path("contacts/", api_mash.contacts, name="api-contacts"),
    path("contacts/<int:contact_id>/", api_mash.contact, name="api-contact"),
    path("contacts/<int:contact_id>/rating/", api_mash.rating, name="api-contact-rating"),
    path("contacts/<int:contact_id>/checks/", api_mash.checks, name="api-contact-checks"),
    path("contacts/<int:contact_id>/decision/", api_mash.decision, name="api-contact-decision"),
    path("checks/<int:check_id>/answer/", api_mash.answer, name="api-check-answer"),
    path("triage/summary/", api_mash.summary, name="api-triage-summary"),
]
