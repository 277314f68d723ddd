"""Personal API tokens: made, used and revoked here, by pages and the API alike."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from audit.actions import Action
from audit.services import record
from people.models import ApiToken, Person

TOKEN_PREFIX = "sgh"  # noqa: S105 - a public marker, not a secret
LIFETIME_CHOICES = [(7, "7 days"), (30, "30 days"), (90, "90 days")]


def digest(raw: str) -> str:
    # The token carries 256 bits of randomness, so a fast hash is enough: nobody can
    # brute-force the input, and lookups by digest stay one indexed query.
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_token(person: Person, name: str, days: int) -> tuple[ApiToken, str]:
    """Make a token; return it and its secret, which is never stored or shown again."""
    if not 1 <= days <= ApiToken.MAX_LIFETIME_DAYS:
        raise ValueError(f"a token lasts 1 to {ApiToken.MAX_LIFETIME_DAYS} days")
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        person=person,
        name=name,
        prefix=prefix,
        digest=digest(raw),
        expires_at=timezone.now() + timedelta(days=days),
    )
    record(
        Action.TOKEN_CREATED,
        actor=person,
        target_type="api_token",
        target_id=token.pk,
        detail={"prefix": prefix, "days": days},
    )
    return token, raw


def tokens_of(person: Person):
    return ApiToken.objects.filter(person=person).order_by("-created_at")


@transaction.atomic
def revoke_token(person: Person, token_id: int) -> ApiToken:
    """Revoke one of the person's own tokens; anyone else's does not exist for them (404)."""
    token = ApiToken.objects.select_for_update().filter(person=person, pk=token_id).first()
    if token is None:
        raise Http404("No such token")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(
            Action.TOKEN_REVOKED,
            actor=person,
            target_type="api_token",
            target_id=token.pk,
            detail={"prefix": token.prefix},
        )
    return token


def token_for(raw: str) -> ApiToken | None:
    """The token a presented secret belongs to, usable or not (None if unknown)."""
    if not raw.startswith(f"{TOKEN_PREFIX}_") or len(raw) > 100:
        return None
    return ApiToken.objects.select_related("person__agency").filter(digest=digest(raw)).first()
