"""`python -m harness.ingest DIR --out OUT`: a folder of documents as OUT/corpus.jsonl.

Bad input is one line on stderr and exit code 2; a skipped file is one line and not an error.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from harness.errors import HarnessError
from harness.ingest import (
    CORPUS_FILE,
    DEFAULT_MAX_MB,
    DEFAULT_SECTION_CHARS,
    SUMMARY_FILE,
    check_settings,
    ingest,
    summary_line,
    write,
)


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, ingest DIR, write OUT; errors as one line and exit code 2."""
    args = _parser().parse_args(argv)
    try:
        root, out = Path(args.dir), Path(args.out)
        if not root.is_dir():
            what = "is not a folder" if root.exists() else "does not exist"
            raise HarnessError(f"DIR {root} {what}; give the folder of documents to read")
        if out.resolve() == root.resolve():
            raise HarnessError(f"--out {out} is DIR itself; write the corpus to another folder")
        check_settings(args.max_mb, args.max_section_chars)
        _check_writable(out)
        result = ingest(root, args.max_mb, args.max_section_chars, exclude=out,
                        progress=not args.quiet)  # fmt: skip
        settings = {"max_mb": args.max_mb, "max_section_chars": args.max_section_chars}
        summary = write(result, root, out, settings)
        if not result.documents:
            raise HarnessError(
                f"DIR {root}: no readable document ({summary['files_skipped']} skipped, see "
                f"{out / SUMMARY_FILE}); add Markdown, HTML, PDF, DOCX or text files"
            )
    except HarnessError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    print(f"{summary_line(summary)} -> {out / CORPUS_FILE}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m harness.ingest",
        description="Read a folder of Markdown, HTML, PDF, DOCX and text files into "
        "OUT/corpus.jsonl (one row per section) and OUT/ingest.json (the summary).",
    )
    parser.add_argument("dir", metavar="DIR", help="the folder of documents (read recursively)")
    parser.add_argument("--out", required=True, metavar="OUT", help="the folder to write to")
    parser.add_argument(
        "--max-mb",
        type=float,
        default=DEFAULT_MAX_MB,
        help=f"skip files larger than this (default {DEFAULT_MAX_MB:g} MB)",
    )
    parser.add_argument(
        "--max-section-chars",
        type=int,
        default=DEFAULT_SECTION_CHARS,
        help="cut longer sections into parts (default %(default)s)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")  # fmt: skip
    return parser


def _check_writable(out: Path) -> None:
    """Fail before reading anything if OUT cannot be created or written, or holds a folder
    where a file of the ingest goes."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as error:
        raise HarnessError(
            f"--out {out}: cannot write there ({error.strerror or error}); choose a folder "
            "you can write to"
        ) from None
    for name in (CORPUS_FILE, SUMMARY_FILE):
        if (out / name).exists() and not (out / name).is_file():
            raise HarnessError(
                f"--out {out}: {out / name} is a folder (or another non-file), so the ingest "
                "cannot write it; move it away or choose another --out"
            )


if __name__ == "__main__":
    main()
