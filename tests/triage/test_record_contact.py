"""Recording a contact: one service (triage.services.record_contact) behind the page and the
API, so both give the same outcome for the same contact.

A new child whose NHS number is already recorded links the contact to that child, whoever
holds them: the concern must reach the MASH. The referrer learns nothing from either answer
about a record they may not see, not even that it exists: the answer reads exactly as it
does for a child recorded with the contact.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Child
from triage.models import Contact

pytestmark = pytest.mark.django_db

KNOWN_NHS = "9434765919"
NEW_NHS = "9434765870"
CONCERN = "Disclosed being hit at home."


def _api_body(nhs_number: str, first_name: str) -> dict:
    return {
        "new_child": {
            "first_name": first_name, "last_name": "Referred", "date_of_birth": "2012-05-06",
            "nhs_number": nhs_number,
        },
        "area": "E10000020",
        "referrer_type": "professional",
        "referrer_name": "Taylor Reed",
        "referrer_role": "Safeguarding nurse",
        "received_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "concern": CONCERN,
    }  # fmt: skip


def _page_data(nhs_number: str, first_name: str) -> dict:
    from people.models import Area

    local = timezone.localtime(timezone.now() - dt.timedelta(hours=1))
    return {
        "new": "1", "first_name": first_name, "last_name": "Referred", "aliases": "",
        "date_of_birth_day": "6", "date_of_birth_month": "5", "date_of_birth_year": "2012",
        "gender": "female", "nhs_number": nhs_number, "police_reference": "",
        "local_authority_reference": "", "address": "", "postcode": "", "looked_after": "no",
        "responsible_authority": "", "area": str(Area.objects.get(name="Norfolk").pk),
        "referrer_type": "professional", "referrer_name": "Taylor Reed",
        "referrer_role": "Safeguarding nurse", "referrer_phone": "", "referrer_email": "",
        "received_on_day": str(local.day), "received_on_month": str(local.month),
        "received_on_year": str(local.year), "received_time": f"{local:%H:%M}",
        "concern": CONCERN,
    }  # fmt: skip


def _record(
    client, interface: str, nhs_number: str, first_name: str = "Ivy"
) -> tuple[Contact, str]:
    """Record the contact through `interface`; the contact and what the referrer was told,
    with what differs between any two contacts (reference, ids, times, the first name
    given) taken out."""
    before = set(Contact.objects.values_list("pk", flat=True))
    if interface == "api":
        response = client.post(
            reverse("api-contacts"),
            _api_body(nhs_number, first_name),
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        told = response.json()
        for varying in ["id", "reference", "received_at", "recorded_at"]:
            told.pop(varying)
        told = repr(told)
    else:
        response = client.post(
            reverse("contact-new"), _page_data(nhs_number, first_name), follow=True
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert response.redirect_chain, page
        told = "\n".join(
            re.search(pattern, page, re.S).group(0)
            for pattern in [r'<div class="govuk-notification-banner.*?</div>\s*</div>',
                            r"<h1.*?</h1>", r'<dl class="govuk-summary-list".*?</dl>']
        )  # fmt: skip
    (contact,) = Contact.objects.exclude(pk__in=before)
    return contact, told.replace(contact.reference, "MASH-REF").replace(first_name, "FIRST")


@pytest.fixture
def hidden_child(open_case_for):
    """A child the Norfolk police know and have shared with no one."""
    case = open_case_for("police.officer", first_name="Secretname", last_name="Hiddenchild",
                         date_of_birth=dt.date(2010, 1, 2), nhs_number=KNOWN_NHS)  # fmt: skip
    return case.child


@pytest.mark.parametrize("interface", ["page", "api"])
def test_a_known_nhs_number_links_the_contact_and_reads_as_a_new_child(
    sign_in, hidden_child, interface
):
    client = sign_in("health.nurse")
    # Another first name: the same name and birth date twice would be a possible duplicate.
    new, told_new = _record(client, interface, NEW_NHS, "Ivy")
    linked, told_linked = _record(client, interface, KNOWN_NHS, "Ada")

    assert linked.child == hidden_child  # the concern reaches the MASH with the record
    assert new.child != hidden_child and new.child.nhs_number == NEW_NHS
    assert Child.objects.filter(nhs_number=KNOWN_NHS).count() == 1
    assert linked.child_as_given == {
        "first_name": "Ada", "last_name": "Referred", "date_of_birth": "2012-05-06",
        "nhs_number": KNOWN_NHS,
    }  # fmt: skip
    # The referrer is told exactly what a brand-new child would have told them.
    assert told_linked == told_new
    for secret in ["Secretname", "Hiddenchild", "2010", "already", "known to the Hub"]:
        assert secret not in told_linked
    assert "FIRST Referred" in told_linked


@pytest.mark.parametrize("interface", ["page", "api"])
def test_a_new_child_is_recorded_with_the_contact(sign_in, interface):
    client = sign_in("health.nurse")
    contact, told = _record(client, interface, NEW_NHS)
    assert Contact.objects.count() == 1
    assert contact.child.nhs_number == NEW_NHS and contact.child.first_name == "Ivy"
    assert contact.child.created_by.username == "health.nurse"
    assert not contact.child.cases.exists()  # the MASH decides whether a case is opened
    assert contact.concern == CONCERN
    assert contact.mash.name == "Norfolk County Council Children's Services"
    assert "FIRST Referred" in told


def test_the_page_and_the_api_tell_the_referrer_the_same_child(sign_in, hidden_child):
    """Afterwards too: the referrer's contact reads the child as given, on both."""
    client = sign_in("health.nurse")
    contact, _ = _record(client, "api", KNOWN_NHS)
    read = client.get(reverse("api-contact", args=[contact.pk])).json()
    assert read["child"] == {"name": "Ivy Referred", "date_of_birth": "2012-05-06"}
    page = client.get(reverse("contact", args=[contact.pk])).content.decode()
    listed = client.get(reverse("contacts")).content.decode()
    for shown in [page, listed]:
        assert "Ivy Referred" in shown and "Secretname" not in shown


def test_the_mash_sees_the_record_and_what_was_given(sign_in, hidden_child):
    contact, _ = _record(sign_in("health.nurse"), "api", KNOWN_NHS)
    client = sign_in("social.worker")
    read = client.get(reverse("api-contact", args=[contact.pk])).json()
    assert read["child"]["id"] == hidden_child.pk
    assert read["child"]["name"] == "Secretname Hiddenchild"
    assert read["child_as_given"]["first_name"] == "Ivy"
    page = client.get(reverse("contact", args=[contact.pk])).content.decode()
    assert "Secretname Hiddenchild" in page and "As the referrer gave the child: Ivy" in page
