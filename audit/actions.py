"""The actions the audit log can record, declared by the apps that own them.

`audit` knows no domain: each app lists its actions in its own `audit_actions.py`, which
`AuditConfig.ready()` imports (as the admin discovers `admin.py`). A new feature declares
its actions there and adds no migration to `audit`: `Event.action` is a plain string.
`Action.SOMETHING_DONE` reads like the enumeration it replaces; `record` refuses an action
nobody declared, so a typo fails loudly instead of writing an event no report can name.
"""

from collections.abc import Iterator


class ActionRegistry:
    """Name -> value, and value -> label, for every declared action."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._labels: dict[str, str] = {}
        self._owners: dict[str, str] = {}

    def declare(self, owner: str, **actions: tuple[str, str]) -> None:
        """Declare actions as NAME=(value, label). Declaring the same again is harmless."""
        for name, (value, label) in actions.items():
            known = self._values.get(name)
            if known is not None and (known, self._labels[known]) != (value, label):
                raise ValueError(f"audit action {name} is already declared as {known!r}")
            if value in self._labels and self._values.get(name) != value:
                raise ValueError(f"audit action value {value!r} is already declared")
            self._values[name] = value
            self._labels[value] = label
            self._owners[value] = owner

    def __getattr__(self, name: str) -> str:
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(f"no audit action {name} is declared") from None

    def __contains__(self, value: object) -> bool:
        return value in self._labels

    def __iter__(self) -> Iterator[str]:
        return iter(self._labels)

    @property
    def choices(self) -> list[tuple[str, str]]:
        """(value, label) in the order declared, for filters and forms."""
        return list(self._labels.items())

    def label(self, value: str) -> str:
        return self._labels.get(value, value)

    def owner(self, value: str) -> str:
        """The app that declared the action."""
        return self._owners[value]


Action = ActionRegistry()

Action.declare(
    "audit",
    # Refusals are recorded by every app the same way (they are shown 404).
    PERMISSION_REFUSED=("permission_refused", "Was refused access"),
)
