"""What the triage API's tests share (tests/triage/test_api_*.py)."""

from django.urls import reverse


def url(name: str, *args, **query) -> str:
    path = reverse(name, args=args)
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
