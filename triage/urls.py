"""MASH triage pages: contacts, partner checks, the daily triage screen and its dashboard."""

from django.urls import path

from triage.views import contacts as mash
from triage.views import partner
from triage.views import screen as triage

urlpatterns = [
    # Contacts (cases/views/mash.py): anyone records one; the MASH works on it.
    path("contacts/", mash.contacts_made, name="contacts"),
    path("contacts/new/", mash.contact_new, name="contact-new"),
    path("contacts/<int:contact_id>/", mash.contact_page, name="contact"),
    path("contacts/<int:contact_id>/rate/", mash.contact_rate, name="contact-rate"),
    path("contacts/<int:contact_id>/assign/", mash.contact_assign, name="contact-assign"),
    path("contacts/<int:contact_id>/checks/", mash.contact_checks, name="contact-checks"),
    path(
        "contacts/<int:contact_id>/checks/<int:check_id>/close/",
        mash.contact_check_close,
        name="contact-check-close",
    ),
    path("contacts/<int:contact_id>/decide/", mash.contact_decide, name="contact-decide"),
    # Partner checks, seen by the agency asked.
    path("checks/", mash.checks, name="checks"),
    path("checks/<int:check_id>/", mash.check_page, name="check"),
    # A partner agency's MASH manager (the police's): the checks owed, by due time.
    path("checks/due/", partner.checks_due, name="checks-due"),
    # The MASH managers' morning (cases/views/triage.py).
    path("triage/", triage.triage, name="triage"),
    path("triage/missing/", triage.missing, name="triage-missing"),
    path("triage/interviews/", triage.interviews, name="triage-interviews"),
    path("triage/screenings/", triage.screenings, name="triage-screenings"),
    path("triage/assessments/", triage.assessments, name="triage-assessments"),
    path("triage/dashboard/", triage.dashboard, name="triage-dashboard"),
]
