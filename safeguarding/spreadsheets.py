"""CSV cells a spreadsheet will not run: what every export of the Hub writes through."""

from typing import Any

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The value as text, defused with a leading apostrophe if it would start a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def safe_cells(values) -> list[str]:
    return [safe_cell(value) for value in values]
