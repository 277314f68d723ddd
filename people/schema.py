"""How the OpenAPI schema describes our two ways of authenticating."""

from django.conf import settings
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerExtension,
)


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "people.authentication.TokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (sgh_…), made on the API tokens page.",
        }


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "people.authentication.VerifiedSessionAuthentication"
    name = "signedInSession"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "A browser session past both sign-in steps (CSRF token required).",
        }


class NoUnknownFields(OpenApiSerializerExtension):
    """A request body that refuses fields it does not know says so in the schema."""

    target_class = "people.api.NewTokenSerializer"

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        return {**schema, "additionalProperties": False}
