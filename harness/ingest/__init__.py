"""A folder of documents (Markdown, HTML, PDF, DOCX, plain text) as a corpus in the harness's
JSONL format: `python -m harness.ingest DIR --out OUT` writes `OUT/corpus.jsonl` and
`OUT/ingest.json`.

Each corpus row is one section of a document (the text under one heading), titled with the
document's title and the heading path ("Manual > Setup > Network"), because the retriever and
the question generator both work per section. A row id is `<path relative to DIR>#<hash>`;
the hash covers the section's headings and text, so ids are the same on every run and change
only with the section. A document whose text equals an earlier one's (by path order) is kept
once. A file that cannot be read is skipped with one line saying why.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypedDict

from harness.datasets import MAX_DOCUMENT_CHARS
from harness.errors import HarnessError
from harness.ingest.sections import Section, document_hash, split_sections
from harness.ingest.walk import Found, Skipped, find_files, read_file

CORPUS_FILE, SUMMARY_FILE = "corpus.jsonl", "ingest.json"
DEFAULT_MAX_MB = 20.0
DEFAULT_SECTION_CHARS = 4000
# The largest --max-mb: 1 TB, far above any document, and small enough to be a whole byte count.
MAX_MB = 1e6


@dataclass(frozen=True)
class IngestedDocument:
    """One file read: where it is, its title and its sections (corpus rows)."""

    rel: str
    title: str
    sections: list[Section]

    @property
    def characters(self) -> int:
        """Characters of text across its sections."""
        return sum(len(s.text) for s in self.sections)


@dataclass
class Ingested:
    """What one ingest found: documents read, files skipped, duplicates dropped."""

    documents: list[IngestedDocument] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    duplicates: dict[str, str] = field(default_factory=dict)  # path -> the path kept
    hidden: int = 0
    seconds: float = 0.0

    @property
    def sections(self) -> list[Section]:
        """Every corpus row, in path order."""
        return [s for d in self.documents for s in d.sections]


class Summary(TypedDict):
    """The shape of `OUT/ingest.json`."""

    folder: str
    files_read: int
    files_skipped: int
    duplicates: int
    hidden_ignored: int
    sections: int
    characters: int
    seconds: float
    settings: dict[str, float | int]
    documents: list[dict[str, object]]
    skipped: list[dict[str, str]]
    duplicate_of: dict[str, str]


def ingest(
    root: Path,
    max_mb: float = DEFAULT_MAX_MB,
    max_section_chars: int = DEFAULT_SECTION_CHARS,
    exclude: Path | None = None,
    progress: bool = True,
) -> Ingested:
    """Read every document under `root` (leaving out the folder `exclude`) into sections,
    printing one line per file skipped or duplicated."""
    from tqdm import tqdm

    if not root.is_dir():
        raise HarnessError(f"DIR {root}: no such folder; give the folder of documents to read")
    check_settings(max_mb, max_section_chars)
    start = time.perf_counter()
    files, skipped, hidden = find_files(root, exclude.resolve() if exclude else None)
    result = Ingested(skipped=list(skipped), hidden=hidden)
    for item in skipped:
        _say(f"skipped {item.rel}: {item.reason}")
    kept: dict[str, str] = {}  # document hash -> the path kept
    for found in tqdm(files, desc="ingest", unit="file", disable=not progress):
        document = _read(found, max_mb, max_section_chars, kept, result)
        if document is not None:
            result.documents.append(document)
    result.seconds = time.perf_counter() - start
    return result


def check_settings(
    max_mb: float,
    max_section_chars: int,
    keys: tuple[str, str] = ("--max-mb", "--max-section-chars"),
) -> None:
    """Refuse a size limit that is no number (nan, inf) or out of range, naming the fix; `keys`
    are the settings' names as the user gave them."""
    problems = []
    if not (math.isfinite(max_mb) and 0 < max_mb <= MAX_MB):
        problems.append(f"{keys[0]}={max_mb}: use a size in MB above 0 and at most {MAX_MB:g}")
    if not 200 <= max_section_chars <= MAX_DOCUMENT_CHARS:
        problems.append(
            f"{keys[1]}={max_section_chars}: use 200 to {MAX_DOCUMENT_CHARS:,} "
            "characters (the corpus loader refuses longer sections)"
        )
    if problems:
        raise HarnessError("; ".join(problems))


def _read(
    found: Found, max_mb: float, max_section_chars: int, kept: dict[str, str], result: Ingested
) -> IngestedDocument | None:
    """One file as a document, or None (and a line said) if it is skipped or a duplicate."""
    try:
        parsed = read_file(found, int(max_mb * 1_000_000))
        title, sections = split_sections(found.rel, found.path.stem, parsed, max_section_chars)
        if not sections:
            raise HarnessError("no text in it (nothing but headings, or empty)")
    except HarnessError as error:
        result.skipped.append(Skipped(found.rel, str(error)))
        _say(f"skipped {found.rel}: {error}")
        return None
    digest = document_hash(parsed)
    if digest in kept:
        result.duplicates[found.rel] = kept[digest]
        _say(f"duplicate {found.rel}: same text as {kept[digest]}, kept once")
        return None
    kept[digest] = found.rel
    return IngestedDocument(found.rel, title, sections)


def _say(line: str) -> None:
    from tqdm import tqdm

    tqdm.write(line, file=sys.stderr)


def write(result: Ingested, root: Path, out: Path, settings: dict[str, float | int]) -> Summary:
    """Write `OUT/corpus.jsonl` (one row per section) and `OUT/ingest.json` (the summary)."""
    import json

    from harness.files import write_json_atomic, write_text_atomic

    rows = (
        json.dumps({"id": s.id, "title": s.title, "text": s.text}, ensure_ascii=False) + "\n"
        for s in result.sections
    )
    write_text_atomic(out / CORPUS_FILE, "".join(rows))
    summary = summarise(result, root, settings)
    write_json_atomic(out / SUMMARY_FILE, summary)
    return summary


def summarise(result: Ingested, root: Path, settings: dict[str, float | int]) -> Summary:
    """The summary of an ingest: counts, settings, and per document its section ids."""
    documents: list[dict[str, object]] = [
        {"path": d.rel, "title": d.title, "characters": d.characters,
         "sections": [s.id for s in d.sections]}
        for d in result.documents
    ]  # fmt: skip
    return Summary(
        folder=str(root),
        files_read=len(result.documents),
        files_skipped=len(result.skipped),
        duplicates=len(result.duplicates),
        hidden_ignored=result.hidden,
        sections=len(result.sections),
        characters=sum(d.characters for d in result.documents),
        seconds=round(result.seconds, 3),
        settings=settings,
        documents=documents,
        skipped=[asdict(s) for s in result.skipped],
        duplicate_of=dict(result.duplicates),
    )


def summary_line(summary: Summary) -> str:
    """The one-line summary the CLI prints."""
    hidden = f", {summary['hidden_ignored']} hidden ignored" if summary["hidden_ignored"] else ""
    return (
        f"read {summary['files_read']} files ({summary['sections']} sections, "
        f"{summary['characters']:,} characters), skipped {summary['files_skipped']}, "
        f"{summary['duplicates']} duplicates kept once{hidden} in {summary['seconds']:.1f}s"
    )
