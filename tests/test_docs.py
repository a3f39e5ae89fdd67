"""The README stays a front page, its commands stay the Makefile's, and docs/ builds and links."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from markdown.extensions.toc import slugify

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.rglob("*.md"))]

_FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6} (.+?)\s*$", re.MULTILINE)
# Resources a browser loads to show a page (links a reader may follow are fine).
_LOADED = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=\"((?:https?:)?//[^\"]+)\"")


def test_the_readme_is_a_front_page_under_12_kb() -> None:
    size = len(README.read_bytes())
    assert size < 12 * 1024, f"README.md is {size:,} bytes; move detail into docs/"


# What a template leaves when a value was never filled in: "..._VERDICT", "{{ value }}", "TODO".
_PLACEHOLDER = re.compile(r"[)`]_[A-Z]{4,}\b|\{\{[^}]*\}\}|\bTODO\b|\bFIXME\b")


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_no_page_keeps_a_template_placeholder(page: Path) -> None:
    text = _FENCE.sub("", page.read_text(encoding="utf-8"))
    found = [m.group(0) for m in _PLACEHOLDER.finditer(text)]
    assert not found, f"{page.name} keeps placeholders: {found}"


def test_the_placeholder_check_finds_what_the_readme_once_kept() -> None:
    line = "| one adapter | seeds 0, 1, 2 (`+sweep=seeds`)_VERDICT |"
    assert _PLACEHOLDER.search(line) and _PLACEHOLDER.search("{{ accuracy }}")
    assert not _PLACEHOLDER.search("RAGBENCH_CACHE=<folder> strategy.train_facts=N")


def _links(page: Path) -> list[str]:
    text = _CODE.sub("", _FENCE.sub("", page.read_text(encoding="utf-8")))
    return _LINK.findall(text)


def _anchors(page: Path) -> set[str]:
    text = _FENCE.sub("", page.read_text(encoding="utf-8"))
    return {slugify(heading.replace("`", ""), "-") for heading in _HEADING.findall(text)}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_resolves_to_a_file_and_heading(page: Path) -> None:
    broken = []
    for link in _links(page):
        if re.match(r"^[a-z]+:", link):  # https:, mailto:: not ours to check offline
            continue
        path, _, anchor = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        if not target.is_file():
            broken.append(f"{link} (no file {target})")
        elif anchor and target.suffix == ".md" and anchor not in _anchors(target):
            broken.append(f"{link} (no heading #{anchor} in {target.name})")
    assert not broken, f"{page.relative_to(ROOT)}: broken links: {broken}"


def test_the_link_check_sees_a_broken_link(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Title\n[ok](#title) [gone](missing.md) `[code](x.md)`\n", encoding="utf-8")
    assert _links(page) == ["#title", "missing.md"]
    assert _anchors(page) == {"title"}


def _first_bash_block(page: Path) -> str:
    match = re.search(r"^```bash\n(.*?)^```", page.read_text(encoding="utf-8"), re.S | re.M)
    assert match, f"{page.name} has no bash block"
    return match.group(1)


def _dry_run(target: str) -> str:
    """Every command `make <target>` would run from scratch, none of them run."""
    make = shutil.which("make")
    assert make, "make is needed: the README's commands are make targets"
    done = subprocess.run(
        [make, "--always-make", "--dry-run", target],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return done.stdout


def test_the_readme_commands_are_the_makefiles() -> None:
    block = _first_bash_block(README)
    assert re.findall(r"^make (\S+)", block, re.M) == ["run", "test"]
    run = _dry_run("run")
    assert "pip install torch==" in run and "-m harness -m +sweep=quick" in run
    assert run.index("pip install torch==") < run.index("-m harness")  # CPU torch first
    test = _dry_run("test")
    for step in ("llamacpp", "ruff check .", "ruff format --check .", "mkdocs build --strict",
                 "-m pytest"):  # fmt: skip
        assert step in test, f"make test no longer runs {step!r}"
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for copy in (DOCS / "index.md", DOCS / "getting-started.md"):
        assert _first_bash_block(copy) == block, f"{copy.name}: the two commands differ from README"


@pytest.mark.slow
def test_the_docs_build_strict_and_offline(tmp_path: Path) -> None:
    """`mkdocs build --strict` fails on a broken link, anchor or page left out of the nav."""
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= len(list(DOCS.rglob("*.md")))
    fetched = {url for page in pages for url in _LOADED.findall(page.read_text(encoding="utf-8"))}
    assert not fetched, f"the built pages load resources from the network: {sorted(fetched)}"


# Code a page names: `harness/run/key.py`, `harness.run.evaluate.verdict`, `Capabilities(...)`.
_PATH = re.compile(r"\b((?:harness|strategies|benchmarks)/[\w/]*\w(?:\.(?:py|js|css))?)\b")
_TITLED = re.compile(r'title="([^"]+)"')  # a file the page itself writes (docs/extending)
_DOTTED = re.compile(r"`(?:python -m )?((?:harness|strategies)(?:\.\w+)+)")
_CAPABILITIES = re.compile(r"Capabilities\(([a-z_, ]+)\)")


def _stale_names(text: str) -> list[str]:
    """The code paths, dotted names and Capabilities fields `text` names that the code lacks."""
    import importlib
    from dataclasses import fields

    from harness.strategy import Capabilities

    written = set(_TITLED.findall(text))
    stale = [p for p in _PATH.findall(text) if not (ROOT / p).exists() and p not in written]
    for dotted in _DOTTED.findall(text):
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):  # the longest importable module, then attributes
            try:
                found: object = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            for attribute in parts[cut:]:
                found = getattr(found, attribute, None)
            if found is None:
                stale.append(dotted)
            break
        else:
            stale.append(dotted)
    known = {f.name for f in fields(Capabilities)}
    for listed in _CAPABILITIES.findall(text):
        stale += [name for name in (n.strip() for n in listed.split(",")) if name not in known]
    return stale


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_module_path_and_name_a_page_gives_exists(page: Path) -> None:
    stale = _stale_names(page.read_text(encoding="utf-8"))
    assert not stale, f"{page.relative_to(ROOT)} names code that no longer exists: {stale}"


def test_the_name_check_sees_moved_modules_and_retired_fields() -> None:
    text = (
        "`harness/runner.py` and `harness.evaluate.verdict`; `harness.run.evaluate.verdict` "
        "and `harness/run/key.py` are fine; Capabilities(needs_model, uses_retrieval)"
    )
    assert _stale_names(text) == ["harness/runner.py", "harness.evaluate.verdict", "uses_retrieval"]
