"""The records generation passes between its stages: a corpus section, an unanswerable question
and the tally of what each stage kept (the yield table)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Section:
    """One corpus row, the unit facts are asked about; `document` groups a file's sections."""

    id: str
    document: str
    title: str
    text: str


@dataclass
class Unanswerable:
    """A question the corpus does not answer, with the guess a reader might make."""

    section_id: str
    question: str
    guess: str


@dataclass
class Tally:
    """What each stage received and kept; becomes the yield table."""

    counts: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    reply_problems: Counter[str] = field(default_factory=Counter)
