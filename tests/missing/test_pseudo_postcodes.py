"""A placement's postcode may be an NHS pseudo-postcode (cases.pseudo_postcodes), on the
page and in the API, and is shown as what it means. It names no place: who is told is
decided by the area chosen from the list, as for any placement."""

import pytest
from django.urls import reverse

from missing.models import Placement
from tests.missing.api_helpers import SUFFOLK_CHILDRENS, placement, post, told
from tests.missing.test_pages import case, client_for, placement_form, text_of  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_placement_whose_address_is_not_known_is_recorded_on_the_page(case, partnership):  # noqa: F811
    client = client_for("social.worker")
    form = text_of(client.get(reverse("placement-new", args=[case.pk])))
    assert "if the address is not known, ZZ99 3WZ" in form
    response = client.post(
        reverse("placement-new", args=[case.pk]),
        placement_form(partnership.areas, address="Not yet known", postcode="zz993wz"),
    )
    assert response.status_code == 302, text_of(response)
    placement_made = Placement.objects.get(case=case)
    assert placement_made.postcode == "ZZ99 3WZ"
    assert placement_made.area.name == "Suffolk"
    page = text_of(client.get(response["Location"]))
    assert "ZZ99 3WZ (address not known)" in page
    ending = text_of(client.get(reverse("placement-end", args=[case.pk])))
    assert "ZZ99 3WZ (address not known)" in ending


def test_the_api_records_a_pseudo_postcode_and_tells_the_chosen_areas_agencies(sign_in, world):
    response = post(sign_in("social.worker"), "api-case-placements", world.case.pk,
                    data=placement(world, postcode="ZZ99 3VZ"))  # fmt: skip
    assert response.status_code == 201, response.content
    made = response.json()
    assert (made["postcode"], made["postcode_meaning"]) == ("ZZ99 3VZ", "no fixed abode")
    # The chosen area's police and children's services, as for a placement at a real address.
    assert {"Suffolk Constabulary", SUFFOLK_CHILDRENS} <= set(told("placement", made["id"]))
