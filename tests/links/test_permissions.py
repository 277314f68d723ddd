"""The links pages that are not about one case (issue 20): the area view for exploitation
meetings (MASH managers and the police) and IG's oversight of matches and volumes. Each
for every demo person, signed out too; a refusal is 403 with the reason, and recorded."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import Action, Event
from tests.cases.test_pages_permissions import EVERYONE, signed_in_as

pytestmark = pytest.mark.django_db

PAGES = {
    "area-links": {"mash.manager", "police.officer", "police.mash", "suffolk.officer"},
    "area-links-csv": {"mash.manager", "police.officer", "police.mash", "suffolk.officer"},
    "link-oversight": {"ig.officer"},
}
COVERED_URL_NAMES = sorted([*PAGES, "api-area-links"])
ROWS = [
    pytest.param(name, who, who in allowed, id=f"{name}-{who}")
    for name, allowed in PAGES.items()
    for who in EVERYONE
]


@pytest.mark.parametrize(("name", "who", "may"), ROWS)
def test_each_person_may_or_may_not_use_the_page(partnership, name, who, may):
    client = signed_in_as(who)
    before = Event.objects.count()
    response = client.get(reverse(name))
    if may:
        assert response.status_code == 200
        assert Event.objects.count() == before + 1
    else:
        assert response.status_code == 403
        assert 'data-testid="refusal"' in response.content.decode()
        assert Event.objects.filter(action=Action.PERMISSION_REFUSED).count() == 1
    assert client.post(reverse(name)).status_code == 405


AREA_API = {"mash.manager", "police.officer", "police.mash", "suffolk.officer"}


@pytest.mark.parametrize("who", EVERYONE)
def test_the_area_api_follows_the_page(partnership, who):
    client = signed_in_as(who)
    response = client.get(reverse("api-area-links"))
    if who in AREA_API:
        assert response.status_code == 200
        assert set(response.json()) == {"areas", "since", "threshold", "rows", "not_shown",
                                        "peers", "ethnicity", "nationality"}  # fmt: skip
        assert Event.objects.filter(action=Action.AREA_LINKS_VIEWED).count() == 1
    else:
        assert response.status_code == 403
        assert "area view" in response.json()["detail"]
        assert Event.objects.filter(action=Action.PERMISSION_REFUSED).count() == 1
    assert Client().get(reverse("api-area-links")).status_code == 401


@pytest.mark.parametrize("name", PAGES)
def test_signed_out_it_asks_to_sign_in(partnership, name):
    response = Client().get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("sign-in"))
