"""Finding the files under DIR without leaving it, and reading one file into blocks.

Symbolic links are read only when they resolve inside DIR; linked folders are not followed
(their files inside DIR are read where they are). Hidden files and folders are ignored.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness.errors import HarnessError
from harness.ingest.office import parse_docx, parse_pdf
from harness.ingest.sections import ParsedDocument
from harness.ingest.text import decode, parse_html, parse_markdown, parse_plain

SUFFIXES = {
    ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
    ".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx",
}  # fmt: skip
# A DOCX is a zip: its parts may unpack to at most this many times the size limit (a zip bomb
# would otherwise fill the memory).
_UNPACKED_FACTOR = 10


@dataclass(frozen=True)
class Found:
    """A file under DIR: its path and its path relative to DIR (POSIX separators)."""

    path: Path
    rel: str


@dataclass(frozen=True)
class Skipped:
    """A file left out, and why."""

    rel: str
    reason: str


def find_files(root: Path, exclude: Path | None = None) -> tuple[list[Found], list[Skipped], int]:
    """Files under `root` (its own first, then its folders', each in name order), the links
    skipped, and the count of hidden entries."""
    real_root = root.resolve()
    found: list[Found] = []
    skipped: list[Skipped] = []
    hidden = 0

    def unlistable(error: OSError) -> None:  # os.walk would pass over it in silence
        where = _rel(Path(error.filename), root) if error.filename else str(root)
        skipped.append(Skipped(where, f"cannot list the folder ({error.strerror or error})"))

    for folder, dirnames, filenames in os.walk(root, onerror=unlistable, followlinks=False):
        base = Path(folder)
        kept = []
        for name in sorted(dirnames):
            path = base / name
            if name.startswith("."):
                hidden += 1
            elif path.is_symlink():
                skipped.append(Skipped(_rel(path, root), _link_reason(path, real_root, True)))
            elif exclude is not None and path.resolve() == exclude:
                continue  # the output folder inside DIR: not a document
            else:
                kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            path = base / name
            if name.startswith("."):
                hidden += 1
            elif path.is_symlink() and (reason := _link_reason(path, real_root, False)):
                skipped.append(Skipped(_rel(path, root), reason))
            else:
                found.append(Found(path, _rel(path, root)))
    found.sort(key=lambda f: (f.rel.count("/"), f.rel))  # DIR's own files first: kept if copied
    return found, skipped, hidden


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _link_reason(path: Path, real_root: Path, folder: bool) -> str | None:
    """Why a symbolic link is not read, or None for a link to a file inside DIR."""
    try:
        target = path.resolve()
    except (OSError, RuntimeError):  # a loop of links
        return "symbolic link that cannot be resolved (a loop?)"
    if not target.is_relative_to(real_root):
        return f"symbolic link leads outside DIR (to {target}); copy the file into DIR"
    if not target.exists():
        return "broken symbolic link"
    if folder:
        return "symbolic link to a folder, not followed (its files are read where they are)"
    return None


def read_file(found: Found, max_bytes: int) -> ParsedDocument:
    """Parse one file by its suffix; `HarnessError` with the reason if it cannot be read."""
    kind = SUFFIXES.get(found.path.suffix.lower())
    try:
        if not found.path.is_file():  # a pipe or device would block or never end
            raise HarnessError("not a regular file")
        size = found.path.stat().st_size
        if size > max_bytes:
            raise HarnessError(
                f"too large ({size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:g} MB, "
                "set with --max-mb)"
            )
        if kind is None:
            with found.path.open("rb") as stream:
                head = stream.read(8192)
            if b"\x00" in head:
                raise HarnessError("binary (it holds NUL bytes); not a document")
            supported = ", ".join(sorted(SUFFIXES))
            raise HarnessError(f"unsupported type {found.path.suffix or '(none)'!r}; "
                               f"the types read are {supported}")  # fmt: skip
        return _PARSERS[kind](found.path, max_bytes)
    except OSError as error:
        raise HarnessError(f"cannot read it ({error.strerror or error})") from None


# each takes the path and the size limit
_PARSERS: dict[str, Callable[[Path, int], ParsedDocument]] = {
    "text": lambda path, _: parse_plain(decode(path.read_bytes())),
    "markdown": lambda path, _: parse_markdown(decode(path.read_bytes())),
    "html": lambda path, _: parse_html(decode(path.read_bytes())),
    "pdf": lambda path, _: parse_pdf(path),
    "docx": lambda path, max_bytes: parse_docx(path, _UNPACKED_FACTOR * max_bytes),
}
