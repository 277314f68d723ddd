"""Changes to a person's own sign-in state that pages and the API alike may ask for."""

from django.db import transaction

from audit.actions import Action
from audit.services import record
from people.models import Person, SignedInSession


@transaction.atomic
def end_other_sessions(person: Person, current_key: str) -> int:
    """Sign the person out everywhere but the session `current_key` (a lost phone, a
    shared computer); how many sessions ended."""
    ended, _ = (
        SignedInSession.objects.filter(person=person).exclude(session_key=current_key).delete()
    )
    record(
        Action.SIGN_OUT_EVERYWHERE, actor=person,
        detail={"sessions_ended": ended},
    )  # fmt: skip
    return ended
