"""Binary formats: PDF through its text layer (pypdf) and DOCX (python-docx), parsed into blocks.

A file that cannot be read raises `HarnessError` with the reason; the caller skips it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.ingest.sections import Block, ParsedDocument

_DOCX_HEADING = re.compile(r"^heading ?([1-6])$", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"^(page )?\d+( of \d+)?$", re.IGNORECASE)
# A line shorter than this share of the page's longest line, ending a sentence, ends a paragraph
# (the text layer has lines, not paragraphs).
_SHORT_LINE = 0.85


def parse_pdf(path: Path) -> ParsedDocument:
    """A PDF's text layer: the metadata title, headings from its outline (bookmarks) where it
    has one, and paragraphs rebuilt from the lines."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise HarnessError("encrypted (it needs a password); save an unprotected copy")
        title = reader.metadata.title if reader.metadata else None
        outline = _outline(reader, reader.outline)
        pages = [page.extract_text() or "" for page in reader.pages]
    except HarnessError:
        raise
    except DependencyError:
        raise HarnessError(
            "encrypted with AES; pip install cryptography to read PDFs without a password"
        ) from None
    except Exception as error:  # pypdf raises many types on damaged files; skip, don't crash
        raise HarnessError(f"not a readable PDF ({type(error).__name__}: {error})") from None
    if not any(c.isalnum() for page in pages for c in page):
        raise HarnessError("no text layer (a scanned or image-only PDF); run OCR on it first")
    return ParsedDocument(str(title) if title else None, _pdf_blocks(pages, outline))


def _outline(reader: Any, items: list[Any], level: int = 1) -> list[tuple[int, str]]:
    """The outline's (level, title) entries in order; a nested list is one level deeper."""
    entries: list[tuple[int, str]] = []
    for item in items:
        if isinstance(item, list):
            entries.extend(_outline(reader, item, min(level + 1, 6)))
        elif getattr(item, "title", None):
            entries.append((level, str(item.title)))
    return entries


def _pdf_blocks(pages: list[str], outline: list[tuple[int, str]]) -> list[Block]:
    """Lines matching the next outline titles become headings; the others are joined into
    paragraphs, ended by a short line closing a sentence."""
    pending = [(level, _key(title)) for level, title in outline]
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block(0, _join(paragraph)))
            paragraph.clear()

    for page in pages:
        lines = [line.strip() for line in page.splitlines()]
        lines = [line for line in lines if line and not _PAGE_NUMBER.match(line)]
        longest = max((len(line) for line in lines), default=0)
        for line in lines:
            match = next((i for i, (_, key) in enumerate(pending) if key == _key(line)), None)
            if match is not None:
                flush()
                blocks.append(Block(pending[match][0], line))
                del pending[: match + 1]
                continue
            paragraph.append(line)
            if line[-1] in ".!?:" and len(line) < _SHORT_LINE * longest:
                flush()
    flush()
    return blocks


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _join(lines: list[str]) -> str:
    """Lines of one paragraph as one string; a line ending in a hyphen joins without a space."""
    text = lines[0]
    for line in lines[1:]:
        text += line if text.endswith("-") else " " + line
    return text


def parse_docx(path: Path) -> ParsedDocument:
    """A DOCX body in order: the core properties' title (else the Title paragraph), headings
    from the Heading 1-6 styles, paragraphs, list items and tables; headers and footers left out.
    """
    import docx
    from docx.table import Table

    try:
        document = docx.Document(str(path))
        title = document.core_properties.title or None
        items = list(document.iter_inner_content())
    except Exception as error:  # a zip that is no DOCX, a damaged part, a password-locked file
        raise HarnessError(f"not a readable DOCX ({type(error).__name__}: {error})") from None
    blocks: list[Block] = []
    for item in items:
        if isinstance(item, Table):
            blocks.append(Block(0, _docx_table(item)))
            continue
        text = item.text
        if not text.strip():
            continue
        style = (item.style.name if item.style is not None else "") or ""
        if style == "Title":
            title = title or text
        elif heading := _DOCX_HEADING.match(style):
            blocks.append(Block(int(heading.group(1)), text))
        elif style.startswith("List"):
            blocks.append(Block(0, f"- {text}"))
        else:
            blocks.append(Block(0, text))
    return ParsedDocument(title, blocks)


def _docx_table(table: Any) -> str:
    """A table as one line per row; a merged cell, which python-docx repeats, counted once."""
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if not cells or text != cells[-1]:
                cells.append(text)
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)
