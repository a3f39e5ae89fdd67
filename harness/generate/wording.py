"""Plain-text rules that finding answers (`candidates`) and checking questions (`questions`)
share: where a sentence ends, which words are stop words, and whether capitals abbreviate words
("MA" for "Master of Arts", "NCAA" for "National Collegiate Athletic Association")."""

from __future__ import annotations

import re
from collections.abc import Sequence


def word_set(words: str) -> frozenset[str]:
    """The space-separated words of `words` as a set."""
    return frozenset(words.split())


STOPWORDS = word_set(
    "a an the of in on at to for by from with and or but not no is are was were be been has have "
    "had do does did it its this that these those there here he she they we you i his her their "
    "our your what which who whom whose when where why how as into than then so if all any each "
    "some one yes"
)
# Words an abbreviation may skip or keep: "Master of Arts" is MA, "Department of Defense" DOD.
_SMALL_WORDS = word_set("of and the for in on at to a an &")
_ABBREVIATIONS = word_set(
    "mr mrs ms dr prof st fr rev jr sr vs etc e.g i.e no fig inc ltd co gen lt col sgt capt mt "
    "ft ave approx a.m p.m u.s u.k dept est"
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|&")
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


def abbreviation(text: str) -> str | None:
    """The capitals of an all-capitals abbreviation ("NCAA", "M.A." -> "MA"), else None."""
    letters = text.replace(".", "")
    return letters if re.fullmatch(r"[A-Z][A-Z&]*[A-Z]", letters) else None


def spelled_out(letters: str, words: Sequence[str]) -> bool:
    """Whether `words`, all of them in order, are what `letters` abbreviates: each capitalised
    word gives the next letter, a small word ("of", "and") gives it or is skipped."""
    if not letters or not words:
        return not letters and not words
    first, rest = words[0], words[1:]
    small = first.casefold() in _SMALL_WORDS
    gives = first[:1].upper() == letters[0] and (first[:1].isupper() or small)
    return (gives and spelled_out(letters[1:], rest)) or (small and spelled_out(letters, rest))


def spelled_out_in(letters: str, text: str, at_end: bool = False) -> bool:
    """Whether consecutive words of `text` (its last words, when `at_end`) spell out `letters`."""
    found = _WORD.findall(text)
    ends = [len(found)] if at_end else range(len(found) + 1)
    sizes = range(len(letters), 2 * len(letters) + 1)  # a skipped small word per letter at most
    return any(
        spelled_out(letters, found[end - n : end]) for end in ends for n in sizes if n <= end
    )
