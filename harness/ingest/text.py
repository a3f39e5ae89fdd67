"""Text formats: bytes decoded (UTF-8, else charset-normalizer's guess, cp1252 where it is
unsure), then Markdown (markdown-it-py), HTML (BeautifulSoup) or plain text parsed into blocks.

A file that cannot be read raises `HarnessError` with the reason; the caller skips it.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

import yaml

from harness.errors import HarnessError
from harness.ingest.sections import Block, ParsedDocument

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16's: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
# A line break inside a paragraph, unless the next line starts a list item.
_LINE_BREAK = re.compile(r"[ \t]*\n[ \t]*(?![-*\u2022]\s|\d+[.)]\s)")
# How much messier (charset-normalizer's chaos, 0 to 1) cp1252 may read than the detector's
# best guess and still be taken (see `decode`).
_UNSURE = 0.1
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
# Elements that hold no document text, or only a site's boilerplate around it.
_DROPPED = ("script", "style", "noscript", "template", "svg", "nav", "aside", "footer", "form")
_BLOCKS = {
    *_HEADINGS, "p", "div", "section", "article", "main", "header", "li", "ul", "ol", "dl",
    "dt", "dd", "table", "pre", "blockquote", "figure", "figcaption", "hr", "br", "body",
    "address", "details", "summary",
}  # fmt: skip


def decode(data: bytes) -> str:
    """The text of a file's bytes: by its byte-order mark, as UTF-8, or in the encoding
    charset-normalizer detects (cp1252 where it cannot tell Western code pages apart)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                raise HarnessError(
                    f"not valid {encoding} although it starts with its mark"
                ) from None
    if b"\x00" in data:
        raise HarnessError(
            "binary (it holds NUL bytes); only text, md, html, pdf and docx are read"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        raise HarnessError(
            "not UTF-8 and charset-normalizer detects no other encoding; save it as UTF-8"
        )
    # Western text in a single-byte code page reads as well in cp1252, cp1250, cp1257 or cp775
    # to the detector, which then picks one of them: "Café" became "Cafķ". cp1252 (what Windows
    # writes in Western Europe and the Americas) is taken whenever the detector finds it nearly
    # as clean; it is not among the candidates for Cyrillic, Greek or Polish text.
    western = [m for m in matches if m.encoding == "cp1252" and m.chaos <= best.chaos + _UNSURE]
    return str(western[0] if western else best)


def parse_plain(text: str) -> ParsedDocument:
    """Plain text: paragraphs between blank lines, their wrapped lines joined (list items kept
    on their own lines); a short first line that ends no sentence is taken as the heading."""
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n")) if p.strip()]
    blocks = [Block(0, _LINE_BREAK.sub(" ", p.strip())) for p in paragraphs]
    first = paragraphs[0].strip() if paragraphs else ""
    if "\n" not in first and len(first) <= 100 and first[-1:] not in tuple(".!?:;,"):
        blocks[0] = Block(1, first)
    return ParsedDocument(None, blocks)


def parse_markdown(text: str) -> ParsedDocument:
    """Markdown (CommonMark plus tables): the front matter's `title`, headings and blocks."""
    from markdown_it import MarkdownIt

    title, body = _front_matter(text)
    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    blocks: list[Block] = []
    heading = lists = 0
    row: list[str] = []
    table: list[str] = []
    in_table = False
    for token in tokens:
        kind = token.type
        if kind == "heading_open":
            heading = int(token.tag[1])
        elif kind == "inline":
            text_ = _inline_text(token)
            if heading:
                blocks.append(Block(heading, text_))
                heading = 0
            elif in_table:
                row.append(text_)
            else:
                blocks.append(Block(0, f"- {text_}" if lists else text_))
        elif kind in ("bullet_list_open", "ordered_list_open"):
            lists += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists -= 1
        elif kind in ("fence", "code_block"):
            blocks.append(Block(0, token.content))
        elif kind == "html_block":
            blocks.extend(parse_html(token.content).blocks)
        elif kind == "table_open":
            in_table, table = True, []
        elif kind == "tr_close":
            table.append(" | ".join(row))
            row = []
        elif kind == "table_close":
            in_table = False
            blocks.append(Block(0, "\n".join(table)))
    return ParsedDocument(title, blocks)


def _front_matter(text: str) -> tuple[str | None, str]:
    """A YAML front matter's `title`, and the text after it (unchanged if it has none)."""
    text = text.removeprefix("\ufeff")
    match = _FRONT_MATTER.match(text)
    if not match:
        return None, text
    try:
        if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(match.group(1))):
            # a chain of aliases ("billion laughs") makes a few hundred bytes into gigabytes
            raise HarnessError(
                "its front matter uses a YAML alias (*name), which can expand a few bytes into "
                "gigabytes; write the values out in full"
            )
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return None, text  # not front matter after all: a thematic break, read as text
    title = meta.get("title") if isinstance(meta, dict) else None
    return (str(title) if title else None), text[match.end() :]


def _inline_text(token: Any) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "image"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def parse_html(text: str) -> ParsedDocument:
    """HTML: the `<title>` (or og:title), then the headings and text blocks of `<main>` (or
    `<article>`, or the body), without scripts, styles, navigation, asides, footers or forms."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    title = None
    if soup.title and soup.title.get_text(strip=True):
        title = soup.title.get_text(" ", strip=True)
    elif (meta := soup.find("meta", attrs={"property": "og:title"})) and meta.get("content"):
        title = str(meta["content"])
    for tag in soup(["head", *_DROPPED]):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    blocks: list[Block] = []
    _walk(root, blocks)
    return ParsedDocument(title, blocks)


def _walk(root: Any, blocks: list[Block]) -> None:
    """Blocks in document order: a leaf block's text is one block; loose text between blocks
    becomes a block of its own. Iterative, with a stack of open elements: a page of 5,000 nested
    `<div>` would pass Python's recursion limit."""
    from bs4.element import NavigableString, PreformattedString, Tag

    holders = _block_holders(root)
    # each open element: its children still to read, and the loose text met so far among them
    stack: list[tuple[Any, list[str]]] = [(iter(root.children), [])]
    while stack:
        children, loose = stack[-1]
        for child in children:
            if isinstance(child, NavigableString):
                if not isinstance(child, PreformattedString):  # comments, doctype, CDATA
                    loose.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name not in _BLOCKS and id(child) not in holders:
                loose.append(child.get_text())
                continue
            _flush(loose, blocks)
            if name in _HEADINGS:
                blocks.append(Block(_HEADINGS[name], child.get_text()))
            elif name == "pre":
                blocks.append(Block(0, child.get_text()))
            elif name == "table":
                blocks.append(Block(0, _table(child)))
            elif name not in _BLOCKS or id(child) in holders:
                stack.append((iter(child.children), []))
                break  # read the child's children, then come back to this element's next one
            elif (text := " ".join(child.get_text().split())) and name in ("li", "dt", "dd"):
                blocks.append(Block(0, f"- {text}"))
            elif text:
                blocks.append(Block(0, text))
        else:  # every child read
            _flush(loose, blocks)
            stack.pop()


def _flush(loose: list[str], blocks: list[Block]) -> None:
    """Loose text gathered between blocks as a block of its own."""
    if "".join(loose).strip():
        blocks.append(Block(0, " ".join("".join(loose).split())))
    loose.clear()


def _block_holders(root: Any) -> set[int]:
    """The ids of the elements under `root` (and `root`) that hold a block element, found in one
    pass: asking each element in turn (`find`) reads a deep nest once per level."""
    from bs4.element import Tag

    holders: set[int] = set()
    for tag in root.descendants:
        if not isinstance(tag, Tag) or tag.name not in _BLOCKS:
            continue
        parent = tag.parent
        while parent is not None and id(parent) not in holders:  # stops at a marked ancestor
            holders.add(id(parent))
            if parent is root:
                break
            parent = parent.parent
    return holders


def _table(table: Any) -> str:
    """A table as one line per row, its cells joined by ' | '."""
    rows = []
    for row in table.find_all("tr"):
        cells = [" ".join(c.get_text().split()) for c in row.find_all(["th", "td"])]
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)
