"""A parsed document cut into sections: one per heading, each carrying its heading path.

A section is what a corpus row holds: the retriever chunks rows, and the question generator asks
for facts per row, so a question's `doc_ids` name the section its evidence came from.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

TITLE_SEPARATOR = " > "
# A row title's length before " (part i/n)": within the corpus loader's limit on a field
# (harness/datasets/jsonl_file.py MAX_CHARS, 20,000), with room for the part's suffix.
MAX_TITLE_CHARS = 1000
_SPACES = re.compile(r"[^\S\n]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Block:
    """A heading (`level` 1 to 6) or a paragraph, list item, table or code block (`level` 0)."""

    level: int
    text: str


@dataclass(frozen=True)
class ParsedDocument:
    """What a parser found in a file: its title, if the file's metadata gives one, and blocks."""

    title: str | None
    blocks: list[Block]


@dataclass(frozen=True)
class Section:
    """One corpus row: the text under one heading, with the path of headings above it."""

    id: str
    title: str
    headings: tuple[str, ...]
    text: str


def split_sections(
    rel_path: str, stem: str, parsed: ParsedDocument, max_chars: int
) -> tuple[str, list[Section]]:
    """The document's title and its sections, longer ones cut into parts of at most `max_chars`.

    The title is the metadata's, else the first heading, else the file name. A row's id is the
    file's relative path plus a hash of the section's headings and text, so it survives edits
    elsewhere in the file and changes when the section itself changes.
    """
    blocks = [b for b in (Block(b.level, clean(b.text)) for b in parsed.blocks) if b.text]
    first_heading = next((b.text for b in blocks if b.level), None)
    title = clean(parsed.title or "") or first_heading or stem
    sections: list[Section] = []
    used = _Ids()
    stack: list[tuple[int, str]] = []
    paragraphs: list[str] = []

    def flush() -> None:
        headings = tuple(text for _, text in stack)
        shown = headings[1:] if headings and headings[0] == title else headings
        parts = pack(paragraphs, max_chars)
        for number, text in enumerate(parts, start=1):
            label = _clip(TITLE_SEPARATOR.join((title, *shown)))
            if len(parts) > 1:
                label += f" (part {number}/{len(parts)})"
            section_id = used.unique(f"{rel_path}#{content_hash(headings, text)}")
            sections.append(Section(section_id, label, headings, text))
        paragraphs.clear()

    for block in blocks:
        if block.level:
            flush()
            while stack and stack[-1][0] >= block.level:
                stack.pop()
            stack.append((block.level, block.text))
        else:
            paragraphs.append(block.text)
    flush()
    return title, sections


def clean(text: str) -> str:
    """NFC text with runs of spaces collapsed and blank or control-only lines dropped."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(c for c in text if c == "\n" or unicodedata.category(c)[0] != "C" or c == "\t")
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def pack(paragraphs: list[str], max_chars: int) -> list[str]:
    """Paragraphs joined by blank lines into parts of at most `max_chars`; a paragraph longer
    than that is cut at sentence ends, and a sentence longer than that at spaces."""
    pieces = [piece for paragraph in paragraphs for piece in _fit(paragraph, max_chars)]
    parts: list[str] = []
    for piece in pieces:
        # list items stay one per line; other blocks are set apart by a blank line
        listed = (
            piece.startswith("- ") and bool(parts) and parts[-1].rsplit("\n", 1)[-1][:2] == "- "
        )
        separator = "\n" if listed else "\n\n"
        if parts and len(parts[-1]) + len(separator) + len(piece) <= max_chars:
            parts[-1] += separator + piece
        else:
            parts.append(piece)
    return parts


def _fit(paragraph: str, max_chars: int) -> list[str]:
    if len(paragraph) <= max_chars:
        return [paragraph]
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(paragraph):
        while len(sentence) > max_chars:
            cut = sentence.rfind(" ", 0, max_chars + 1)
            cut = cut if cut > 0 else max_chars
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if pieces and len(pieces[-1]) + 1 + len(sentence) <= max_chars:
            pieces[-1] += " " + sentence
        elif sentence:
            pieces.append(sentence)
    return pieces


def content_hash(headings: tuple[str, ...], text: str) -> str:
    """The first 10 hex digits of the SHA-256 of the headings and the text."""
    payload = "\n".join(headings) + "\n\n" + text
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:10]


def document_hash(parsed: ParsedDocument) -> str:
    """A hash of a document's cleaned text, headings included: equal for identical documents,
    whatever their file names or formats."""
    text = "\n".join(f"{b.level}:{clean(b.text)}" for b in parsed.blocks if clean(b.text))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Ids:
    """Section ids made unique within a file: a repeat gets -2, -3... Each id remembers its next
    number, so a file repeating one section 40,000 times costs 40,000 steps, not 40,000² / 2."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.next: dict[str, int] = {}

    def unique(self, section_id: str) -> str:
        """The id, suffixed -2, -3... when the same file repeats a section word for word."""
        number = self.next.get(section_id, 1)
        candidate = section_id if number == 1 else f"{section_id}-{number}"
        while candidate in self.used:
            number += 1
            candidate = f"{section_id}-{number}"
        self.used.add(candidate)
        self.next[section_id] = number + 1
        return candidate


def _clip(label: str) -> str:
    """A section's title within MAX_TITLE_CHARS, cut at the end with an ellipsis: the corpus
    loader refuses a longer title (a heading may be a whole paragraph long)."""
    if len(label) <= MAX_TITLE_CHARS:
        return label
    return label[: MAX_TITLE_CHARS - 1].rstrip() + "\u2026"
