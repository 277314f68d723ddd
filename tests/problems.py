"""Reading the API's errors in tests: every one is an RFC 9457 problem (issue 23).

`problem(response, status)` asserts the shape (content type, `type`, `title`, `status`,
`detail`) and returns the body; `errors` and `detail` read its parts. Tests that check an
error says no more compare the whole body, or its `detail`, as before.
"""

from safeguarding import problems

CONTENT_TYPE = problems.CONTENT_TYPE


def problem(response, status: int | None = None) -> dict:
    """The problem the response carries, its shape checked."""
    if status is not None:
        assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith(CONTENT_TYPE), response["Content-Type"]
    found = response.json()
    assert {"type", "title", "status", "detail"} <= found.keys(), found
    assert found["status"] == response.status_code
    assert found["type"] == "about:blank" or found["type"].startswith(problems.TYPE_PREFIX)
    return found


def errors(response, status: int = 400) -> dict:
    """A validation problem's `errors`: each field's messages."""
    found = problem(response, status)
    assert found["type"] == problems.type_uri("validation-error"), found
    return found["errors"]


def detail(response, status: int | None = None) -> str:
    return problem(response, status)["detail"]


def kind(response, status: int | None = None) -> str:
    """The problem's type without its prefix ("" for about:blank)."""
    found = problem(response, status)["type"]
    return found.removeprefix(problems.TYPE_PREFIX) if found != "about:blank" else ""


MEMBERS = {"type", "title", "status", "detail"}


def bare(response, status: int | None = None) -> dict:
    """A problem with the four members and nothing more (no `errors`, no extra members)."""
    found = problem(response, status)
    assert found.keys() == MEMBERS, found
    return found
