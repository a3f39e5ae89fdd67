"""Plain-text rules for finding answers (`candidates`): where a sentence ends and which words
are stop words."""

from __future__ import annotations

import re


def word_set(words: str) -> frozenset[str]:
    """The space-separated words of `words` as a set."""
    return frozenset(words.split())


STOPWORDS = word_set(
    "a an the of in on at to for by from with and or but not no is are was were be been has have "
    "had do does did it its this that these those there here he she they we you i his her their "
    "our your what which who whom whose when where why how as into than then so if all any each "
    "some one yes"
)
_ABBREVIATIONS = word_set(
    "mr mrs ms dr prof st fr rev jr sr vs etc e.g i.e no fig inc ltd co gen lt col sgt capt mt "
    "ft ave approx a.m p.m u.s u.k dept est"
)
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: lines (list items, table rows) cut at sentence ends, an
    abbreviation ("Dr.", "e.g.") or an initial ("J.") not ending one."""
    spans = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for end_mark in _SENTENCE_END.finditer(line.group()):
            cut = line.start() + end_mark.start() + 1
            word = re.search(r"([\w.]+)\.$", text[start:cut])
            if word and (word[1].casefold() in _ABBREVIATIONS or _initial(text, cut, word[1])):
                continue
            spans.append((start, line.start() + end_mark.end()))
            start = line.start() + end_mark.end()
        spans.append((start, line.end()))
    return [_trim(text, s, e) for s, e in spans if text[s:e].strip()]


def _initial(text: str, cut: int, word: str) -> bool:
    """Whether the capital before a full stop at `cut` is a name's initial ("J. Smith"), not a
    unit after a number ("1.8 W.")."""
    return re.fullmatch(r"[A-Z]", word) is not None and not re.search(r"\d\s?\w\.$", text[:cut])


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without surrounding spaces or a list item's "- " mark."""
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    if piece[lead : lead + 2] == "- ":
        lead += 2
    return start + lead, start + len(piece.rstrip())
