"""safeguarding.related.attach: foreign keys set from one query per related model, as
select_related would set them, without the joins that cost more to plan than to run."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguarding.related import attach
from triage.models import Contact
from triage.selectors import CONTACT_AGENCIES, CONTACT_PEOPLE
from triage.services import assign_contact

pytestmark = pytest.mark.django_db


def test_each_key_is_the_related_row_in_one_query_per_model(make_contact, people):
    first, second = make_contact(), make_contact()
    assign_contact(people["mash.manager"], first, people["social.worker"])
    names = (*CONTACT_AGENCIES, *CONTACT_PEOPLE)
    both = Contact.objects.filter(pk__in=[first.pk, second.pk])
    joined = {contact.pk: contact for contact in both.select_related(*names)}
    plain = list(both)
    with CaptureQueriesContext(connection) as queries:
        attach(plain, *names)
        for contact in plain:
            for name in names:
                assert getattr(contact, name) == getattr(joined[contact.pk], name), name
    assert len(queries) == 2  # the agencies, then the people
    assigned = {c.pk: c.assigned_to for c in plain}
    assert assigned == {first.pk: people["social.worker"], second.pk: None}


def test_nothing_to_attach_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        attach([None], "mash", "assigned_to")
        attach([], "mash")
