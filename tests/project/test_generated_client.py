"""An integrator's journey with a client generated from the live schema, and nothing else
(issue 23, item 2): openapi-python-client (pinned in pyproject.toml) reads the schema the
running app serves and generates without warnings. That client alone, with a personal
token, lists cases, creates a child (and so its case), adds entries, finds an area by its
ONS code, places the child there and reports them missing, lets that area's police list
and acknowledge what they were told, and pages through the chronology to its end.

Each test generates into its own temporary folder, so parallel workers never share one.
"""

import datetime as dt
import importlib
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

import pytest
from django.utils import timezone

from people.tokens import create_token

pytestmark = pytest.mark.django_db(transaction=True)

VENV_BIN = Path(sys.executable).parent
PACKAGE = "safeguarding_hub_api_client"


@pytest.fixture
def generated(live_server, partnership, people, tmp_path, monkeypatch):
    """The client package generated from the live server's schema, imported."""
    import httpx

    _, secret = create_token(people["social.worker"], "schema", 1)
    schema = httpx.get(
        f"{live_server.url}/api/schema/", headers={"Authorization": f"Bearer {secret}"}
    )
    assert schema.status_code == 200, schema.text[:300]
    (tmp_path / "schema.yaml").write_bytes(schema.content)
    # The one image the API serves (a missing-from-care profile's photo) read as bytes, as
    # the generator's own option says for any binary type it does not know by name.
    (tmp_path / "config.yaml").write_text(
        "content_type_overrides:\n  image/jpeg: application/octet-stream\n"
        "  image/png: application/octet-stream\n"
    )
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = subprocess.run(
        [str(VENV_BIN / "openapi-python-client"), "generate", "--path", "schema.yaml",
         "--meta", "none", "--config", "config.yaml"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    said = run.stdout + run.stderr
    assert run.returncode == 0, said
    assert "Warning" not in said and "warning" not in said, said
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]  # another test's generated package, from another folder
    return importlib.import_module(PACKAGE)


def _client(generated, live_server, person):
    _, secret = create_token(person, f"journey {uuid4().hex[:6]}", 1)
    return generated.AuthenticatedClient(base_url=live_server.url, token=secret)


def _call(module: str, **kwargs):
    """A generated operation's answer, checked for success, parsed."""
    operation = importlib.import_module(f"{PACKAGE}.api.{module}")
    answer = operation.sync_detailed(**kwargs)
    assert 200 <= answer.status_code < 300, (module, answer.status_code, answer.content[:400])
    assert answer.parsed is not None, (module, answer.content[:400])
    return answer.parsed


def test_an_integrator_journey_with_only_the_generated_client(
    generated, live_server, people, partnership
):
    models = importlib.import_module(f"{PACKAGE}.models")
    worker = _client(generated, live_server, people["social.worker"])
    police = _client(generated, live_server, people["suffolk.officer"])
    now = timezone.now().replace(microsecond=0)

    listed = _call("cases.cases_list", client=worker)
    assert isinstance(listed.results, list)

    created = _call(
        "children.children_create",
        client=worker,
        body=models.NewChildRequest(
            first_name="Zephyrine",
            last_name="Quillfeather-Ó Dálaigh",
            date_of_birth=dt.date(2012, 4, 9),
            looked_after=True,
            responsible_authority=partnership.agencies["norfolk_childrens"].pk,
        ),
    )
    case = created.case  # a new child's case is opened with it, led by the worker's agency
    assert created.child.id and case.lead_agency.id == partnership.agencies["norfolk_childrens"].pk
    for n in range(30):
        _call(
            "cases.case_entries_create",
            client=worker,
            case_id=case.id,
            body=models.NewEntryRequest(
                category=models.NewEntryCategoryEnum("concern"),
                occurred_at=now - dt.timedelta(hours=40 - n),
                text=f"Seen with an older man outside school ({n}).",
            ),
        )

    # A placement in another area (Suffolk), found by its ONS code in the areas lookup: its
    # police are told.
    areas = _call("lookups.areas_list", client=worker).results
    code = partnership.areas["suffolk"].ons_code
    suffolk = next(area.id for area in areas if area.ons_code == code)
    _call(
        "placements.case_placements_create",
        client=worker,
        case_id=case.id,
        body=models.NewPlacementRequest(
            area=suffolk,
            address="4 Synthetic Close, Testham",
            postcode="ZX1 2AB",
            provider_type=models.ProviderTypeEnum("childrens_home"),
            started_at=now - dt.timedelta(hours=2),
        ),
    )
    _call(
        "missing.case_missing_episodes_create",
        client=worker,
        case_id=case.id,
        body=models.NewMissingEpisodeRequest(
            last_seen_at=now - dt.timedelta(hours=1),
            last_seen_where="Testham bus station",
            circumstances="Did not come back after school.",
            risk=models.RiskEnum("high"),
        ),
    )

    # Suffolk's police list what they were told and acknowledge each.
    told = _call("notifications.notifications_list", client=police)
    about = [n for n in told.results if n.case == case.id]
    assert {n.kind.value for n in about} >= {"placement", "missing"}
    for notification in about:
        _call(
            "notifications.notification_acknowledge",
            client=police,
            notification_id=notification.id,
        )
    again = _call("notifications.notifications_list", client=police)
    assert all(n.acknowledged_at for n in again.results if n.case == case.id)

    # The chronology, page by page, to its end.
    seen, cursor = [], None
    for _ in range(20):
        page = _call(
            "cases.case_entries_list",
            client=worker,
            case_id=case.id,
            **({"cursor": cursor} if cursor else {}),
        )
        seen += [entry.id for entry in page.results]
        if not page.next_:
            break
        cursor = parse_qs(urlsplit(page.next_).query)["cursor"][0]  # the client encodes it
    assert len(seen) == len(set(seen)) >= 30 + 2  # the entries, the placement and the report
