"""Binary formats: PDF through its text layer (pypdf) and DOCX (python-docx), parsed into blocks.

A file that cannot be read raises `HarnessError` with the reason; the caller skips it.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.ingest.sections import Block, ParsedDocument

_DOCX_HEADING = re.compile(r"^heading ?([1-6])$", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"^(page )?\d+( of \d+)?$", re.IGNORECASE)
# A line shorter than this share of the page's longest line, ending a sentence, ends a paragraph
# (the text layer has lines, not paragraphs).
_SHORT_LINE = 0.85
_HEADING_SCALE = 1.15


def parse_pdf(path: Path) -> ParsedDocument:
    """A PDF's text layer: the metadata title, headings from its outline (bookmarks), else from
    lines set larger than the body text, and paragraphs rebuilt from the lines."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise HarnessError("encrypted (it needs a password); save an unprotected copy")
        title = reader.metadata.title if reader.metadata else None
        outline = _outline(reader.outline)
        pages = [_page_lines(page) for page in reader.pages]
    except HarnessError:
        raise
    except DependencyError:
        raise HarnessError(
            "encrypted with AES; pip install cryptography to read PDFs without a password"
        ) from None
    except Exception as error:  # pypdf raises many types on damaged files; skip, don't crash
        raise HarnessError(f"not a readable PDF ({type(error).__name__}: {error})") from None
    if not any(c.isalnum() for page in pages for line, _ in page for c in line):
        raise HarnessError("no text layer (a scanned or image-only PDF); run OCR on it first")
    if outline:
        blocks = _pdf_blocks(pages, _outline_levels(outline), wrapped=False)
    else:  # a heading set large may wrap onto a second line
        blocks = _pdf_blocks(pages, _size_levels(pages), wrapped=True)
    return ParsedDocument(str(title) if title else None, blocks)


def _outline(items: list[Any], level: int = 1) -> list[tuple[int, str]]:
    """The outline's (level, title) entries in order; a nested list is one level deeper."""
    entries: list[tuple[int, str]] = []
    for item in items:
        if isinstance(item, list):
            entries.extend(_outline(item, min(level + 1, 6)))
        elif getattr(item, "title", None):
            entries.append((level, str(item.title)))
    return entries


def _page_lines(page: Any) -> list[tuple[str, float]]:
    """A page's lines as pypdf extracts them, each with the largest font size on it (0 where
    the sizes seen while extracting do not line up with the lines)."""
    seen: list[list[Any]] = [["", 0.0]]

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        for number, piece in enumerate(text.split("\n")):
            if number:
                seen.append(["", 0.0])
            seen[-1][0] += piece
            if piece.strip():
                seen[-1][1] = max(seen[-1][1], size * _scale(tm) * _scale(cm))

    lines = [line.strip() for line in (page.extract_text(visitor_text=visit) or "").splitlines()]
    lines = [line for line in lines if line and not _PAGE_NUMBER.match(line)]
    sized = [(text.strip(), size) for text, size in seen if text.strip()]
    if [_squeeze(t) for t in lines] == [_squeeze(t) for t, _ in sized if not _PAGE_NUMBER.match(t)]:
        sizes = [size for text, size in sized if not _PAGE_NUMBER.match(text)]
        return list(zip(lines, sizes, strict=True))
    return [(line, 0.0) for line in lines]


def _scale(matrix: list[float]) -> float:
    return abs(matrix[0] * matrix[3] - matrix[1] * matrix[2]) ** 0.5


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _outline_levels(outline: list[tuple[int, str]]) -> Callable[[str, float], int]:
    """A line is a heading when it matches one of the outline's titles not yet met, in order:
    the first such title after the last one matched (those it skips are passed over for good).

    Each title's positions are queued by its text, so a line costs one look-up, not a scan of
    the outline (20,000 bookmarks took 22 s scanned)."""
    positions: dict[str, deque[int]] = {}
    for index, (_, title) in enumerate(outline):
        positions.setdefault(_key(title), deque()).append(index)
    start = 0  # the outline's entries before this one are met or passed over

    def level(line: str, size: float) -> int:
        nonlocal start
        queue = positions.get(_key(line))
        while queue and queue[0] < start:
            queue.popleft()
        if not queue:
            return 0
        match = queue.popleft()
        start = match + 1
        return outline[match][0]

    return level


def _size_levels(pages: list[list[tuple[str, float]]]) -> Callable[[str, float], int]:
    """Without an outline, a short line set at least 15% larger than the body text (the size
    of most characters) is a heading; the largest such size is level 1."""
    weight: Counter[float] = Counter()
    for page in pages:
        for line, size in page:
            weight[round(size, 1)] += len(line)
    if not weight or 0.0 in weight:
        return lambda line, size: 0
    body = weight.most_common(1)[0][0]
    larger = sorted({s for s in weight if s >= _HEADING_SCALE * body}, reverse=True)
    levels = {size: min(rank, 6) for rank, size in enumerate(larger, start=1)}
    return lambda line, size: levels.get(round(size, 1), 0) if len(line) <= 120 else 0


def _pdf_blocks(
    pages: list[list[tuple[str, float]]], level: Callable[[str, float], int], wrapped: bool
) -> list[Block]:
    """Heading lines as headings (with `wrapped`, consecutive ones of one level are one); the
    other lines joined into paragraphs, each ended by a short line closing a sentence."""
    blocks: list[Block] = []
    paragraph: list[str] = []
    previous_was_heading = False

    def flush() -> None:
        if paragraph:
            blocks.append(Block(0, _join(paragraph)))
            paragraph.clear()

    for page in pages:
        longest = max((len(line) for line, _ in page), default=0)
        for line, size in page:
            if heading := level(line, size):
                flush()
                if wrapped and previous_was_heading and blocks[-1].level == heading:
                    blocks[-1] = Block(heading, f"{blocks[-1].text} {line}")
                else:
                    blocks.append(Block(heading, line))
                previous_was_heading = True
                continue
            previous_was_heading = False
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


def parse_docx(path: Path, max_unpacked: int) -> ParsedDocument:
    """A DOCX body in order: the core properties' title (else the Title paragraph), headings
    from the Heading 1-6 styles, paragraphs, list items and tables; headers and footers left out.
    """
    import zipfile

    import docx
    from docx.table import Table

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
        if unpacked > max_unpacked:
            raise HarnessError(
                f"too large unpacked ({unpacked / 1e6:.1f} MB; the limit is 10 times --max-mb)"
            )
        document = docx.Document(str(path))
        title = document.core_properties.title or None
        items = list(document.iter_inner_content())
        names = {style.style_id: style.name or "" for style in document.styles}
    except HarnessError:
        raise
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
        # the style id straight from the XML: `item.style` looks up the default style for every
        # unstyled paragraph, which made DOCX 10 times slower to read than any other format
        style = names.get(item._p.style or "", "")
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
