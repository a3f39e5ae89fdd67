"""Sections rewritten by a chat model, kept only when they keep the section's facts.

Each section is rewritten once per style (`STYLES`, greedy, so a style gives one rewrite). A
rewrite is kept only when every value and name `harness.generate.candidates` finds in the
section (numbers, money, quantities, durations, dates, times, codes, names, defined terms)
appears in it, spaces and case aside, and it adds no money, quantity, duration, date, time or
code the section lacks (a bare number may be a list's numbering). Rewrites are cached under
`<cache_dir>/paraphrases`, one file per (model, prompt), so a larger `paraphrases` reuses the
smaller one's.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from harness.files import write_json_atomic
from harness.generate.candidates import section_candidates
from harness.generate.records import Section
from harness.models import ChatModel, Conversation

log = logging.getLogger(__name__)

KEEP = "Keep every number, date, code and name exactly as written."
STYLES = (
    "Rewrite the following text in other words.",
    "Rewrite the following text as a list of facts, one per line.",
    "Explain the following text to a new customer in a short paragraph.",
    "Rewrite the following text as short questions, each followed by its answer.",
    "Summarise the following text, leaving out no detail.",
)
# kinds of value a rewrite must not invent; a bare number may be a list's numbering
INVENTED_KINDS = ("money", "quantity", "duration", "date", "time", "code")
_FORMAT = 1  # bump when prompts or generation change, so old rewrites are not reused


@dataclass(frozen=True)
class Check:
    """Whether a rewrite keeps a section's facts: what it lost and what it made up."""

    missing: tuple[str, ...]
    invented: tuple[str, ...]
    copy: bool = False

    @property
    def kept(self) -> bool:
        """Nothing lost, nothing made up, and not the section itself."""
        return not (self.missing or self.invented or self.copy)


@dataclass
class Paraphrased:
    """The kept rewrites per section, and how many were made and dropped, by reason."""

    kept: dict[str, list[str]]
    made: int
    dropped: dict[str, int]

    def record(self) -> dict[str, Any]:
        """What setup.json records of the rewriting."""
        kept = sum(len(texts) for texts in self.kept.values())
        return {"made": self.made, "kept": kept, "dropped": self.dropped,
                "sections_with_one": sum(bool(texts) for texts in self.kept.values())}  # fmt: skip


def facts_of(text: str) -> list[tuple[str, str]]:
    """(text, kind) of every value and name found in `text`."""
    return [(c.answer, c.kind) for c in section_candidates(Section("s", "s", "", text))]


def check(section: str, rewrite: str) -> Check:
    """What `rewrite` loses or makes up of `section`'s values and names."""
    written, source = _plain(rewrite), _plain(section)
    missing = tuple(dict.fromkeys(t for t, _ in facts_of(section) if _plain(t) not in written))
    invented = tuple(
        dict.fromkeys(
            t for t, kind in facts_of(rewrite) if kind in INVENTED_KINDS and _plain(t) not in source
        )
    )
    return Check(missing, invented, copy=written == source)


def prompt(text: str, style: int) -> Conversation:
    """The conversation asking for one rewrite of `text` in style `style`."""
    return [{"role": "user", "content": f"{STYLES[style]} {KEEP}\n\n{text}"}]


def rewrite(
    model: ChatModel,
    identity: str,
    sections: list[tuple[str, str]],
    count: int,
    cache_dir: str,
) -> Paraphrased:
    """`count` rewrites of each (id, text) section by `model` (`identity` fingerprints it),
    checked; generated where the cache lacks them."""
    folder = Path(cache_dir).expanduser() / "paraphrases"
    kept: dict[str, list[str]] = {}
    dropped = {"lost a value or name": 0, "made up a value": 0, "copied the section": 0}
    for section, text in tqdm(sections, desc="paraphrasing", unit="section"):
        texts = _cached_or_made(model, identity, text, count, folder)
        kept[section] = []
        for made in texts:
            verdict = check(text, made)
            if verdict.kept:
                kept[section].append(made)
            elif verdict.copy:
                dropped["copied the section"] += 1
            elif verdict.missing:
                dropped["lost a value or name"] += 1
            else:
                dropped["made up a value"] += 1
    result = Paraphrased(kept, count * len(sections), dropped)
    log.info("paraphrases: %s", result.record())
    return result


def _cached_or_made(
    model: ChatModel, identity: str, text: str, count: int, folder: Path
) -> list[str]:
    """The section's rewrites in styles 0..count-1: read from the cache or generated together."""
    conversations = [prompt(text, style) for style in range(count)]
    paths = [folder / f"{_key(identity, c)[:32]}.json" for c in conversations]
    found = {i: _read(path) for i, path in enumerate(paths)}
    wanted = [i for i, text_ in found.items() if text_ is None]
    if wanted:
        budget = model.max_new_tokens
        # room for a rewrite half as long again as the section
        model.max_new_tokens = max(budget, 3 * model.count_tokens(text) // 2 + 32)
        try:
            made = model.generate([conversations[i] for i in wanted])
        finally:
            model.max_new_tokens = budget
        for i, generation in zip(wanted, made, strict=True):
            found[i] = generation.text.strip()
            key = _key(identity, conversations[i])
            write_json_atomic(paths[i], {"key": key, "text": found[i]})
    return [str(found[i]) for i in range(count)]


def _key(identity: str, conversation: Conversation) -> str:
    payload = {"format": _FORMAT, "model": identity, "prompt": conversation}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _read(path: Path) -> str | None:
    try:
        return str(json.loads(path.read_text())["text"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _plain(text: str) -> str:
    return " ".join(text.split()).casefold()
