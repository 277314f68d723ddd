"""How the API knows who is calling: a personal token, or a fully signed-in session."""

from django.utils import timezone
from rest_framework import authentication, exceptions

from audit.actions import Action
from audit.services import record
from people.models import ApiToken
from people.tokens import token_for


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer sgh_…`. Every call made with a token is audited."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Give the token after the word Bearer.")
        token = token_for(header[1])
        if token is None or not token.person.is_active:
            raise exceptions.AuthenticationFailed("That token is not valid.")
        if not token.is_usable:
            _used(Action.TOKEN_REFUSED, token, state=token.state.lower())
            raise exceptions.AuthenticationFailed(f"That token is {token.state.lower()}.")
        token.last_used_at = timezone.now()
        token.save(update_fields=["last_used_at"])
        _used(Action.API_REQUEST, token, method=request.method, path=request.path[:200])
        return token.person, token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) to a request with no credentials at all.
        return f'{self.keyword} realm="api"'


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """A browser session counts only after the second factor, as it does for pages."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, _ = result
        if not user.is_verified():
            return None
        return result


def _used(action: str, token: ApiToken, **detail) -> None:
    """A use of a token, by its person (the request's origin is the audit context)."""
    record(action, actor=token.person, target_type="api_token", target_id=token.pk, detail=detail)
