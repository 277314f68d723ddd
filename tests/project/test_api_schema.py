"""The live API schema as an integrator's tools read it (issue 23, item 1)."""

import pytest
import yaml
from openapi_spec_validator import OpenAPIV30SpecValidator

from tests.project.test_api_fuzz import SCHEMA_URL

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(sign_in) -> dict:
    response = sign_in("social.worker").get(SCHEMA_URL)
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_live_schema_is_valid_openapi(schema):
    errors = [str(error).splitlines()[0] for error in OpenAPIV30SpecValidator(schema).iter_errors()]
    assert errors == []


def test_an_optional_field_defaults_to_empty_and_its_pattern_takes_it(schema):
    """An optional NHS number: "" (not given) is the default, and the schema allows it."""
    nhs_number = schema["components"]["schemas"]["NewChildRequest"]["properties"]["nhs_number"]
    assert nhs_number["default"] == ""
    assert all("default" not in branch for branch in nhs_number["oneOf"])
    reason = schema["components"]["schemas"]["NewEntryRequest"]["properties"]["amendment_reason"]
    assert reason.get("default", "") == ""


def test_each_kind_is_a_named_enum_that_generated_clients_read_as_one(schema):
    """`Notification.kind` was an inline enum inside allOf, which openapi-python-client made
    an object class: every notification then failed to parse. Now both fields called
    `kind` refer to enums of their own name."""
    components = schema["components"]["schemas"]
    kind = components["Notification"]["properties"]["kind"]
    refs = [part.get("$ref") for part in kind.get("allOf", [kind])]
    assert refs == ["#/components/schemas/NotificationKindEnum"]
    assert "placement" in components["NotificationKindEnum"]["enum"]
    assert "police" in components["AgencyKindEnum"]["enum"]
    inline = [
        (name, field)
        for name, component in components.items()
        for field, prop in component.get("properties", {}).items()
        for part in prop.get("allOf", [])
        if "enum" in part
    ]
    assert inline == []
