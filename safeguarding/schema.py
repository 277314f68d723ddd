"""The API schema as integrators' tools read it (drf-spectacular's postprocessing hooks)."""

import re
from typing import Any


def _allows(pattern: str, value: str) -> bool:
    try:
        return re.search(pattern, value) is not None
    except re.error:  # an ECMA-only pattern: leave it to the validator to say
        return True


def _fix(schema: Any) -> None:
    """Move or widen each `default: ""` that its own `pattern` refuses, at any depth."""
    if isinstance(schema, list):
        for item in schema:
            _fix(item)
        return
    if not isinstance(schema, dict):
        return
    for key in ("oneOf", "anyOf"):
        branches = schema.get(key)
        if not isinstance(branches, list):
            continue
        refused = [
            b
            for b in branches
            if isinstance(b, dict)
            and b.get("default") == ""
            and not _allows(b.get("pattern", ""), "")
        ]
        if refused and any(isinstance(b, dict) and b.get("maxLength") == 0 for b in branches):
            # "" is the other branch's already: the default belongs to the whole field.
            for branch in refused:
                del branch["default"]
            schema.setdefault("default", "")
    pattern = schema.get("pattern")
    if pattern and schema.get("default") == "" and not _allows(pattern, ""):
        anchored = pattern.startswith("^") and pattern.endswith("$")
        schema["pattern"] = f"^$|{pattern}" if anchored else f"^$|(?:{pattern})"
    for value in schema.values():
        _fix(value)


def empty_defaults_match_their_pattern(result: dict, **kwargs: Any) -> dict:
    """Optional text fields default to "" (not given) but carry the pattern a given value
    must match, which "" does not: openapi-spec-validator rejected the schema for it (issue
    23). Where another branch of the field already takes "", the default moves up to the
    field; otherwise the pattern also allows "", which is what the API accepts."""
    _fix(result.get("components", {}).get("schemas", {}))
    return result


PROBLEM_JSON = "application/problem+json"


def errors_are_problems(result: dict, **kwargs: Any) -> dict:
    """Every error answer documented as what it is on the wire: `application/problem+json`
    (RFC 9457, `safeguarding.problems`), not the `application/json` drf-spectacular assumes
    for every answer. A generated client picks its error models by this content type."""
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for code, answer in operation.get("responses", {}).items():
                content = answer.get("content") if isinstance(answer, dict) else None
                if not content or str(code)[:1] not in "45":
                    continue
                if "application/json" in content:
                    content[PROBLEM_JSON] = content.pop("application/json")
    return result
