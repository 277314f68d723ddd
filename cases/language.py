"""Language prompts (issue 21): words that blame a child for their abuse, found in what a
person is about to save, with other words to use and why.

A prompt never blocks. A form finds the phrases in its text when it is sent; any it has not
shown yet send the form back once with the prompt (without JavaScript), and sending it again
unchanged saves it. With JavaScript the prompt is shown while typing and the form goes
through first time (static/app/js/language-prompts.mjs), the same list being sent to the
page. Nothing about a prompt is recorded against the author: not in the audit log, not on
the record.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from cases.models import Phrase

FIELD = "prompt_seen"  # the phrases a form has shown its author (hidden inputs)
REFLEXIVES = re.compile(r"\b(herself|himself|themself)\b")
QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "`": "'"})


def normalise(text: str) -> str:
    """Case, accents, quotes and spacing aside; any reflexive pronoun as "themselves"."""
    text = unicodedata.normalize("NFKC", text or "").translate(QUOTES).casefold()
    text = " ".join(text.split())
    return REFLEXIVES.sub("themselves", text)


@lru_cache(maxsize=512)
def pattern(words: str) -> re.Pattern:
    """A phrase as a regular expression over normalised text: whole words, `*` a stem."""
    parts = []
    for word in normalise(words).split(" "):
        stem = word.endswith("*")
        word = re.escape(word.rstrip("*"))
        parts.append(word + (r"\w*" if stem else ""))
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)")


@dataclass(frozen=True)
class Prompt:
    words: str
    instead: str
    why: str
    source: str

    @property
    def said(self) -> str:
        """The phrase as a person reads it: a stem's * as an ellipsis ("prostitut…")."""
        return self.words.replace("*", "…")

    def as_json(self) -> dict:
        return {"words": self.words, "said": self.said, "instead": self.instead,
                "why": self.why, "pattern": pattern(self.words).pattern}  # fmt: skip


def phrases() -> list[Prompt]:
    """The active phrases, in one query."""
    return [
        Prompt(p.words, p.instead, p.why, p.source)
        for p in Phrase.objects.filter(active=True).order_by("words")
    ]


def found_in(texts, listed: list[Prompt] | None = None) -> list[Prompt]:
    """The phrases any of `texts` holds, in the list's order, each once."""
    listed = phrases() if listed is None else listed
    joined = "\n".join(normalise(text) for text in texts if text)
    return [phrase for phrase in listed if pattern(phrase.words).search(joined)]
