"""A database session store whose rows name their person (see SignedInSession)."""

from datetime import UTC, datetime

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from people.models import SignedInSession

# Put in the session at sign-in, copied into columns so the sessions page can show them.
CLIENT_ADDRESS_KEY = "_client_address"
USER_AGENT_KEY = "_user_agent"
SIGNED_IN_AT_KEY = "_signed_in_at"


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        return SignedInSession

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        person_id = data.get(SESSION_KEY)
        instance.person_id = int(person_id) if person_id else None
        signed_in_at = data.get(SIGNED_IN_AT_KEY)
        instance.signed_in_at = datetime.fromtimestamp(signed_in_at, UTC) if signed_in_at else None
        instance.client_address = data.get(CLIENT_ADDRESS_KEY) or None
        instance.user_agent = (data.get(USER_AGENT_KEY) or "")[:300]
        return instance
