"""Where an action came from: request id, address and user agent, held for `audit.record`.

Set once per request by `RequestIdMiddleware`, and by Celery tasks, management commands
and the demo loader for their own work, so services take the person who acts and never
the HTTP request. A context variable, so concurrent requests (threads, async) never see
each other's context.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class AuditContext:
    request_id: str = ""
    client_address: str | None = None
    user_agent: str = ""


NOWHERE = AuditContext()
_current: ContextVar[AuditContext] = ContextVar("audit_context", default=NOWHERE)


def current() -> AuditContext:
    """The context of the work being done now (empty outside any)."""
    return _current.get()


@contextmanager
def audit_context(
    request_id: str = "", client_address: str | None = None, user_agent: str = ""
) -> Iterator[AuditContext]:
    """Run a block of work under a context; the one before comes back afterwards."""
    context = AuditContext(request_id, client_address, user_agent)
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
