"""Names as people write them: child search and the duplicate warning ignore case, accents,
hyphens, apostrophes (straight or typographic), full stops and spaces inside a name, in
names and aliases alike, on the pages, in the API and when recording a contact.

All names are invented.
"""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from cases.models import Child, searchable
from tests.cases.api_helpers import ids, new_child, post, url
from tests.cases.page_helpers import run_search, text_of
from tests.cases.test_pages_children import child_form
from triage.services import NewChild, PossibleDuplicates, record_contact

pytestmark = pytest.mark.django_db

# Other ways of writing O\u2019Brien (recorded with a typographic apostrophe below).
OTHER_OBRIENS = ["O'Brien", "O\u2018Brien", "O\u02bcBrien", "OBrien", "o brien"]


SPELLINGS = [
    ("Smith-Jones", "smith jones"),
    ("Smith-Jones", "SMITHJONES"),
    ("O'Brien", "O\u2019Brien"),
    ("McDonald", "Mc Donald"),
    ("Mac Ewan", "MacEwan"),
    ("Zo\u00eb-\u00c9lo\u00efse", "zoe eloise"),
    ("St. Clair", "st clair"),
]


def test_searchable_drops_what_people_write_differently_and_nothing_else():
    for written, same_as in SPELLINGS:
        assert searchable(written) == searchable(same_as), written
    assert searchable("McDonald") != searchable("MacDonald")
    assert searchable("Smith-Jones") != searchable("Smith")


@pytest.fixture
def named(open_case_for):
    """Four invented children, recorded by Norfolk children's services."""
    return {
        "smith_jones": open_case_for("social.worker", first_name="Kaylee", last_name="Smith-Jones",
                                     date_of_birth=dt.date(2011, 6, 1)),
        "obrien": open_case_for("social.worker", first_name="Niamh", last_name="O\u2019Brien",
                                date_of_birth=dt.date(2010, 2, 3)),
        "mcallister": open_case_for("social.worker", first_name="Rhys", last_name="McAllister",
                                    aliases=["Little-Rhys"]),
        "mary_ann": open_case_for("social.worker", first_name="Mary Ann", last_name="Léger"),
    }  # fmt: skip


SEARCHES = [
    ("smith jones", "smith_jones"),
    ("kaylee smithjones", "smith_jones"),
    *((written, "obrien") for written in OTHER_OBRIENS),
    ("niamh o'brien", "obrien"),
    ("Mc Allister", "mcallister"),
    ("little rhys", "mcallister"),
    ("littlerhys", "mcallister"),
    ("maryann leger", "mary_ann"),
    ("mary-ann", "mary_ann"),
]


@pytest.mark.parametrize(("term", "key"), SEARCHES)
def test_the_api_search_finds_a_name_however_it_is_written(sign_in, named, term, key):
    client = sign_in("social.worker")
    assert ids(client.get(url("api-children", search=term))) == [named[key].child_id], term


@pytest.mark.parametrize(("term", "key"), SEARCHES)
def test_the_search_page_finds_a_name_however_it_is_written(sign_in, named, term, key):
    page = text_of(run_search(sign_in("social.worker"), reverse("children"), {"name": term}))
    assert "1 child found" in page, term
    assert named[key].reference in page


def test_the_contact_search_finds_a_name_however_it_is_written(sign_in, named):
    page = text_of(run_search(sign_in("mash.manager"), reverse("contact-new"), {"name": "o brien"}))
    assert "Niamh O\u2019Brien" in page
    assert "Smith-Jones" not in page


def test_a_term_of_only_punctuation_finds_no_one(sign_in, named):
    client = sign_in("social.worker")
    assert ids(client.get(url("api-children", search="'-"))) == []
    assert "0 children found" in text_of(run_search(client, reverse("children"), {"name": "-"}))


def test_the_duplicate_warning_fires_for_another_spelling_on_the_page(sign_in, named):
    page = text_of(
        sign_in("social.worker").post(
            reverse("child-new"),
            child_form(first_name="Kaylee", last_name="Smith Jones", date_of_birth_day="1",
                       date_of_birth_month="6", date_of_birth_year="2011"),
        )
    )  # fmt: skip
    assert "This child may already be recorded" in page
    assert "Kaylee Smith-Jones, born 1 June 2011, has the same name and date of birth" in page
    assert Child.objects.count() == 4


@pytest.mark.parametrize("last_name", ["OBrien", "O'Brien", "o brien"])
def test_the_duplicate_warning_fires_for_another_spelling_in_the_api(sign_in, named, last_name):
    response = post(
        sign_in("social.worker"),
        url("api-children"),
        new_child(first_name="Niamh", last_name=last_name, date_of_birth="2010-02-03"),
    )
    assert response.status_code == 409
    assert [d["child"] for d in response.json()["duplicates"]] == [named["obrien"].child_id]


def test_the_duplicate_warning_fires_when_recording_a_contact(people, partnership, named):
    fields = {"first_name": "Kaylee", "last_name": "SMITH JONES", "gender": "female",
              "date_of_birth": dt.date(2011, 6, 1)}  # fmt: skip
    with pytest.raises(PossibleDuplicates) as raised:
        record_contact(
            people["social.worker"], new_child=NewChild(child_fields=fields),
            area=partnership.areas["norfolk"], referrer_type="professional",
            referrer_name="Jo Fletcher", referrer_role="Social worker",
            referrer_email="jo@example.org", received_at=dt.datetime.now(dt.UTC),
            concern="Seen with older men at the bus station.",
        )  # fmt: skip
    assert [m.child for m in raised.value.matches] == [named["smith_jones"].child]


def test_the_migration_recomputes_every_childs_search_text(named):
    # As rows were before this change: spaces and punctuation kept.
    for case in named.values():
        child = case.child
        Child.objects.filter(pk=child.pk).update(
            search_text=f"{child.first_name} {child.last_name}".casefold() + "\n"
        )
    migration = importlib.import_module("cases.migrations.0002_search_text_without_punctuation")
    migration.BATCH = 2  # more than one batch
    migration.recompute_search_text(apps, None)
    assert dict(Child.objects.values_list("last_name", "search_text")) == {
        "Smith-Jones": "kayleesmithjones\n",
        "O\u2019Brien": "niamhobrien\n",
        "McAllister": "rhysmcallister\nlittlerhys\n",
        "Léger": "maryannleger\n",
    }
