"""harness.ingest: every file type round trip, every skip reason, stable ids, duplicates, the
CLI's one-line errors and the dataset=documents shortcut. Documents are rendered in the tests."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest

from harness.config import instantiate  # lets our one-line errors through, as the CLI does
from harness.errors import HarnessError
from harness.ingest import ingest, write
from harness.ingest.__main__ import main
from harness.ingest.sections import pack
from tests.helpers import compose_config, write_jsonl

TITLE = "Orbit X5 field manual"
# (heading level, heading, fact): the text every format renders
SECTIONS = [
    (1, "Battery", "The Orbit X5 battery lasts 31 hours on one charge."),
    (1, "Charging", "A full charge takes 95 minutes with the supplied adapter."),
    (2, "Cable", "The charging cable is 1.8 m long and has a USB-C plug at both ends."),
    (1, "Warranty", "The warranty covers 27 months from the date of purchase."),
]
# the heading path expected in each fact's row title
PATHS = {
    "31 hours": "Battery",
    "95 minutes": "Charging",
    "1.8 m": "Charging > Cable",
    "27 months": "Warranty",
}


def render_markdown() -> bytes:
    parts = [f"---\ntitle: {TITLE}\n---\n"]
    parts += [f"{'#' * level} {heading}\n\n{fact}\n" for level, heading, fact in SECTIONS]
    return "\n".join(parts).encode("utf-8")


def render_html() -> bytes:
    body = "".join(f"<h{lv}>{h}</h{lv}><p>{fact}</p>" for lv, h, fact in SECTIONS)
    page = (
        f"<html><head><title>{TITLE}</title><script>var hidden = 1;</script></head><body>"
        f"<nav>Home | Shop</nav><main>{body}</main><footer>Imprint</footer></body></html>"
    )
    return page.encode("utf-8")


def render_pdf(bookmarks: bool = True) -> bytes:
    """Headings set larger than the text, and (with `bookmarks`) in the PDF's outline too."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(TITLE)
    pdf.add_page()
    for level, heading, fact in SECTIONS:
        pdf.set_font("helvetica", style="B", size=18 - 2 * level)
        if bookmarks:
            pdf.start_section(heading, level=level - 1)
        pdf.cell(text=heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=11)
        pdf.multi_cell(0, 6, fact, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def render_docx() -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = TITLE
    for level, heading, fact in SECTIONS:
        document.add_heading(heading, level=level)
        document.add_paragraph(fact)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render_text() -> bytes:
    facts = "\n\n".join(fact for _, _, fact in SECTIONS)
    return f"{TITLE}\n\n{facts}\n".encode("cp1252")  # not UTF-8: decoded by detection


RENDERERS = {
    "md": render_markdown,
    "html": render_html,
    "pdf": render_pdf,
    "unbookmarked.pdf": lambda: render_pdf(bookmarks=False),  # headings from the font sizes
    "docx": render_docx,
    "txt": render_text,
}


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """`python -m harness.ingest` in-process: its exit code, stdout and stderr."""
    try:
        main([*argv, "--quiet"])
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def read_corpus(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "corpus.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("suffix", sorted(RENDERERS))
def test_every_type_comes_back_with_its_facts_and_headings(
    suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    name = f"manual.{suffix}"
    (docs / name).write_bytes(RENDERERS[suffix]())
    code, out, err = run_cli([str(docs), "--out", str(tmp_path / "out")], capsys)
    assert code == 0, err
    rows = read_corpus(tmp_path / "out")
    assert all(row["id"].startswith(f"{name}#") for row in rows)
    for _, _, fact in SECTIONS:
        assert sum(fact in row["text"] for row in rows) == 1, (fact, rows)
    assert all(row["title"].startswith(TITLE) for row in rows)
    if suffix == "txt":  # plain text has no headings: one section under the first line
        assert len(rows) == 1
        return
    for key, path in PATHS.items():
        (row,) = [row for row in rows if key in row["text"]]
        assert row["title"] == f"{TITLE} > {path}"
    summary = json.loads((tmp_path / "out" / "ingest.json").read_text())
    assert (summary["files_read"], summary["files_skipped"], summary["sections"]) == (1, 0, 4)
    assert summary["characters"] == sum(len(row["text"]) for row in rows)
    assert "read 1 files (4 sections" in out


def image_only_pdf() -> bytes:
    from fpdf import FPDF
    from PIL import Image

    image = Image.new("RGB", (40, 20), (200, 30, 30))
    pdf = FPDF()
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=80)
    return bytes(pdf.output())


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(render_pdf())))
    writer.encrypt("secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def zip_bomb_docx() -> bytes:
    """A small DOCX holding a part that unpacks to 1 MB of zeros."""
    import zipfile

    buffer = io.BytesIO(render_docx())
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/padding.bin", bytes(1_000_000))
    return buffer.getvalue()


def test_every_unreadable_file_is_skipped_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "good.md").write_bytes(render_markdown())
    (docs / "scan.pdf").write_bytes(image_only_pdf())
    (docs / "locked.pdf").write_bytes(encrypted_pdf())
    (docs / "photo.bin").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    (docs / "sub" / "nul.txt").write_bytes(b"looks like text\x00\x01\x02 but is not")
    (docs / "big.md").write_bytes(b"# Big\n\n" + b"word " * 12_000)
    (docs / "bomb.docx").write_bytes(zip_bomb_docx())
    garbage = random.Random(0).randbytes(3000).replace(b"\x00", b"\x01")
    (docs / "garbage.txt").write_bytes(garbage)
    (tmp_path / "secret.md").write_text("# Secret\n\nThe vault code is 4711.\n")
    (docs / "escape.md").symlink_to(tmp_path / "secret.md")
    (docs / "sub" / "up.md").symlink_to(Path("..") / ".." / "secret.md")
    (docs / "linked").symlink_to(tmp_path, target_is_directory=True)
    (docs / "loop.md").symlink_to(docs / "loop.md")
    (docs / "empty.md").write_text("# Only a heading\n")
    reasons = {
        "scan.pdf": "no text layer",
        "locked.pdf": "encrypted",
        "photo.bin": "binary",
        "sub/nul.txt": "binary",
        "big.md": "too large",
        "bomb.docx": "too large unpacked",
        "garbage.txt": "not UTF-8",
        "escape.md": "outside DIR",
        "sub/up.md": "outside DIR",
        "linked": "outside DIR",
        "loop.md": "cannot be resolved",
        "empty.md": "no text",
    }
    code, _, err = run_cli([str(docs), "--out", str(tmp_path / "out"), "--max-mb", "0.05"], capsys)
    assert code == 0, err
    for name, reason in reasons.items():
        lines = [line for line in err.splitlines() if line.startswith(f"skipped {name}:")]
        assert len(lines) == 1 and reason in lines[0], (name, err)
    summary = json.loads((tmp_path / "out" / "ingest.json").read_text())
    assert {s["rel"]: s["reason"] for s in summary["skipped"]}.keys() == reasons.keys()
    assert (summary["files_read"], summary["files_skipped"]) == (1, len(reasons))
    assert "4711" not in (tmp_path / "out" / "corpus.jsonl").read_text()


def test_ids_are_stable_and_follow_only_their_own_section(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "manual.md").write_bytes(render_markdown())
    first = [s.id for s in ingest(docs, progress=False).sections]
    assert first == [s.id for s in ingest(docs, progress=False).sections]
    edited = render_markdown().replace(b"27 months", b"36 months")
    (docs / "manual.md").write_bytes(edited)
    second = [s.id for s in ingest(docs, progress=False).sections]
    assert len(first) == len(second) == len(SECTIONS)
    assert [a == b for a, b in zip(first, second, strict=True)] == [True, True, True, False]


def test_identical_documents_are_kept_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    (docs / "archive").mkdir(parents=True)
    (docs / "manual.md").write_bytes(render_markdown())
    (docs / "archive" / "manual-copy.md").write_bytes(render_markdown())
    (docs / "manual.html").write_bytes(render_html())  # same text and headings, other format
    (docs / "other.md").write_text("# Other\n\nSomething else entirely.\n")
    code, out, err = run_cli([str(docs), "--out", str(tmp_path / "out")], capsys)
    assert code == 0, err
    summary = json.loads((tmp_path / "out" / "ingest.json").read_text())
    assert summary["duplicate_of"] == {
        "archive/manual-copy.md": "manual.html",
        "manual.md": "manual.html",
    }
    assert [d["path"] for d in summary["documents"]] == ["manual.html", "other.md"]
    assert err.count("duplicate ") == 2 and "2 duplicates kept once" in out


def test_out_inside_dir_is_not_read_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "manual.md").write_bytes(render_markdown())
    for _ in range(2):  # the second run finds the first run's output inside DIR
        code, _, err = run_cli([str(tmp_path), "--out", str(tmp_path / "corpus")], capsys)
        assert code == 0 and "corpus" not in err, err
    assert len(read_corpus(tmp_path / "corpus")) == len(SECTIONS)


def test_long_sections_are_cut_into_parts_within_the_limit() -> None:
    paragraphs = ["First sentence here. " * 30, "short one", "x" * 500]
    parts = pack(paragraphs, 250)
    assert all(len(part) <= 250 for part in parts) and len(parts) > 3
    assert "".join(parts).replace("\n", "").replace(" ", "") == "".join(paragraphs).replace(" ", "")


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli([str(tmp_path / "nope"), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and err.strip() == f"error: DIR {tmp_path / 'nope'} does not exist; give " \
        "the folder of documents to read"  # fmt: skip
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n\ntext\n")
    blocker = tmp_path / "file"
    blocker.write_text("a file where OUT's parent should be")
    code, _, err = run_cli([str(docs), "--out", str(blocker / "out")], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith(f"error: --out {blocker / 'out'}: cannot write there")
    (docs / "a.md").unlink()
    (docs / "b.bin").write_bytes(b"\x00\x01")
    code, _, err = run_cli([str(docs), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "no readable document (1 skipped" in err.splitlines()[-1]


def test_dataset_documents_reads_an_ingest_or_the_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs, out = tmp_path / "docs", tmp_path / "out"
    docs.mkdir()
    (docs / "manual.md").write_bytes(render_markdown())
    assert run_cli([str(docs), "--out", str(out)], capsys)[0] == 0
    section = next(row for row in read_corpus(out) if "27 months" in row["text"])
    question = {"id": "q1", "question": "How long is the warranty?", "answers": ["27 months"],
                "split": "test", "doc_ids": [section["id"]]}  # fmt: skip
    write_jsonl(out / "questions.jsonl", [question])
    dataset = instantiate(compose_config(["dataset=documents", f"dataset.path={out}"]).dataset)
    assert dataset.name == "documents" and len(dataset.corpus) == len(SECTIONS)
    from_folder = instantiate(
        compose_config(
            [
                "dataset=documents",
                f"dataset.path={docs}",
                f"dataset.questions={out}/questions.jsonl",
            ]
        ).dataset
    )
    assert [d.id for d in from_folder.corpus] == [d.id for d in dataset.corpus]
    with pytest.raises(HarnessError, match=r"dataset.questions: no questions file"):
        instantiate(compose_config(["dataset=documents", f"dataset.path={docs}"]).dataset)


# ---- issue 38: hostile inputs (benchmarks/hardening_probes.py runs them as a user would) ----


def test_a_paragraph_inside_5000_nested_divs_is_read(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    page = "<html><body>" + "<div>" * 5000 + "<p>The one paragraph.</p>" + "</div>" * 5000
    (docs / "deep.html").write_text(page + "<p>After the nest.</p></body></html>")
    (docs / "next.md").write_text("# Next\n\nThe next file is read too.\n")
    result = ingest(docs, progress=False)
    texts = [s.text for s in result.sections]
    assert texts == ["The one paragraph.\n\nAfter the nest.", "The next file is read too."]


def test_a_section_repeated_40000_times_takes_linear_time(tmp_path: Path) -> None:
    import time

    from harness.ingest.sections import Block, ParsedDocument, split_sections

    blocks = [Block(2, "Note"), Block(0, "Same line.")] * 40_000
    started = time.perf_counter()
    _, sections = split_sections("notes.md", "notes", ParsedDocument(None, blocks), 4000)
    # quadratic, this took 95 s on two shared cores; linear, well under one
    assert time.perf_counter() - started < 10
    ids = [s.id for s in sections]
    assert len(set(ids)) == 40_000 and ids[1] == f"{ids[0]}-2" and ids[-1] == f"{ids[0]}-40000"


def test_a_front_matter_alias_chain_skips_the_file_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs, out = tmp_path / "docs", tmp_path / "out"
    docs.mkdir()
    chain = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    pairs = zip("abcde", "bcdef", strict=True)  # each level nine times the one before
    chain += [f"{b}: &{b} [{','.join([f'*{a}'] * 9)}]" for a, b in pairs]
    (docs / "bomb.md").write_text("---\n" + "\n".join([*chain, "title: *f"]) + "\n---\n# A\n\nx\n")
    (docs / "plain.md").write_text("# Plain\n\nA plain page.\n")
    code, _, err = run_cli([str(docs), "--out", str(out)], capsys)
    assert code == 0 and err.strip().startswith("skipped bomb.md: its front matter uses a YAML")
    assert (out / "corpus.jsonl").stat().st_size < 1000  # not 36 MB


def test_a_title_longer_than_the_loaders_field_limit_is_cut(tmp_path: Path) -> None:
    from harness.datasets import load_jsonl
    from harness.ingest.sections import MAX_TITLE_CHARS

    docs, out = tmp_path / "docs", tmp_path / "out"
    docs.mkdir()
    (docs / "long.md").write_text(f"# {'Heading ' * 5000}\n\nThe text.\n")
    write(ingest(docs, progress=False), docs, out, {})
    (row,) = read_corpus(out)
    assert len(row["title"]) == MAX_TITLE_CHARS and row["title"].endswith("\u2026")
    question = {"id": "q1", "question": "What?", "answers": ["text"], "split": "test",
                "doc_ids": [row["id"]]}  # fmt: skip
    questions = str(write_jsonl(tmp_path / "q.jsonl", [question]))
    assert load_jsonl("docs", questions, str(out / "corpus.jsonl")).corpus[0].text == "The text."


def test_windows_1252_text_is_read_as_written(tmp_path: Path) -> None:
    sample = "Café ... costs €5 – naïve “quotes”"
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "price.txt").write_bytes(f"Prices\n\n{sample}.\n".encode("cp1252"))
    (docs / "cyrillic.txt").write_bytes("Цены\n\nПривет, как дела? Это текст.\n".encode("cp1251"))
    texts = [s.text for s in ingest(docs, progress=False).sections]
    assert texts == ["Привет, как дела? Это текст.", f"{sample}."]


@pytest.mark.parametrize(
    ("argv", "named"),
    [(["--max-mb", "nan"], "--max-mb=nan: use a size in MB above 0"),
     (["--max-mb", "inf"], "--max-mb=inf: use a size in MB above 0"),
     (["--max-section-chars", "10000000"], "--max-section-chars=10000000: use 200 to 2,000,000")],
)  # fmt: skip
def test_sizes_that_are_no_number_or_past_the_loader_are_one_line(
    argv: list[str], named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n\ntext\n")
    code, _, err = run_cli([str(docs), "--out", str(tmp_path / "out"), *argv], capsys)
    assert code == 2 and err.startswith(f"error: {named}") and len(err.strip().splitlines()) == 1


def test_a_folder_where_corpus_jsonl_goes_is_one_line_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs, out = tmp_path / "docs", tmp_path / "out"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n\ntext\n")
    (out / "corpus.jsonl").mkdir(parents=True)
    code, _, err = run_cli([str(docs), "--out", str(out)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith(f"error: --out {out}: {out / 'corpus.jsonl'} is a folder")


def test_pdf_bookmarks_are_matched_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.ingest import office

    calls = 0
    key = office._key

    def counted(text: str) -> str:
        nonlocal calls
        calls += 1
        return key(text)

    monkeypatch.setattr(office, "_key", counted)
    outline = [(1, f"Bookmark {n}") for n in range(500)]
    level = office._outline_levels(outline)
    lines = [f"body line {n}" for n in range(500)] + ["Bookmark 7", "Bookmark 3", "Bookmark 9"]
    found = [level(line, 0.0) for line in lines]
    assert found[-3:] == [1, 0, 1]  # in order: 3 comes before 7, passed over for good
    assert calls <= 2 * (len(outline) + len(lines))  # scanning the outline per line: 250,000
