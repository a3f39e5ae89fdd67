"""Counterfactual context: the shown chunks with each gold answer replaced by another value.

`strategy.context=counterfactual` asks whether a model reads its context or answers from its
weights: in every chunk it is shown, each occurrence of the question's gold answer strings is
replaced by a substitute of the same kind, and nothing else changes. The substitutes come from a
table the dataset names (`dataset.substitutes`): a JSONL file of `{"value": <gold answer>,
"substitute": <another value of the same kind>}` rows, one per gold answer string (aliases
included, so `6.5GB` has its own row). acme's is made by `data/acme/substitutes.py`, seeded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.errors import HarnessError

CONTEXTS = ("retrieved", "none", "counterfactual")


def context_problem(
    context: str, substitutes: str | None, dataset: str = "this dataset"
) -> str | None:
    """Why `strategy.context` cannot be used as set, else None."""
    if context not in CONTEXTS:
        return f"strategy.context={context}: use one of {', '.join(CONTEXTS)}"
    if context == "counterfactual" and not substitutes:
        return (
            f"strategy.context=counterfactual needs a substitution table and {dataset} names "
            'none: set dataset.substitutes=<substitutes.jsonl> (one {"value", "substitute"} '
            "row per gold answer; data/acme/substitutes.py makes acme's)"
        )
    return None


def load_table(path: str) -> dict[str, str]:
    """The table of `dataset.substitutes`: gold answer string -> its substitute."""
    where = f"dataset.substitutes={path}"
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise HarnessError(f"{where}: cannot read it ({error.strerror}); give an existing "
                           "file, e.g. data/acme/substitutes.jsonl") from None  # fmt: skip
    table: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row: Any = json.loads(line)
        except json.JSONDecodeError:
            row = None
        value, substitute = (
            (row.get("value"), row.get("substitute")) if isinstance(row, dict) else (None, None)
        )
        if not (isinstance(value, str) and isinstance(substitute, str) and value and substitute):
            raise HarnessError(f"{where} line {number}: give a JSON object with string fields "
                               "'value' and 'substitute'")  # fmt: skip
        if value == substitute or table.get(value, substitute) != substitute:
            raise HarnessError(f"{where} line {number}: {value!r} needs one substitute that "
                               "differs from it")  # fmt: skip
        table[value] = substitute
    return table


def substituted(
    chunks: Sequence[str],
    answers: Sequence[str],
    table: dict[str, str],
    question_id: str,
    shown: Sequence[int] | None = None,
) -> tuple[list[str], list[dict[str, Any]]]:
    """The chunks with every occurrence of a gold answer replaced, and what was replaced
    (`original`, `substitute`, `occurrences`; empty when no gold value occurs in them).

    `shown`, when given, is how many characters of each changed chunk the prompt holds (a chunk
    may be cut to fit the window): only a substitute that ends within them is counted, since
    one the model never read changes nothing it saw."""
    if not answers:
        return list(chunks), []
    missing = [answer for answer in answers if answer not in table]
    if missing:
        raise HarnessError(f"dataset.substitutes has no substitute for {missing[0]!r} (a gold "
                           f"answer of {question_id}); add a row for it")  # fmt: skip
    # longest first, in one pass: "6.5 GB" is replaced whole, and a substitute is never replaced
    ordered = sorted(set(answers), key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, ordered)) + r")(?!\w)")
    counts: dict[str, int] = {}
    changed = []
    for number, chunk in enumerate(chunks):
        limit = shown[number] if shown is not None else None
        pieces, start, length = [], 0, 0  # length: of the changed chunk up to `start`
        for match in pattern.finditer(chunk):
            substitute = table[match.group(0)]
            pieces += [chunk[start : match.start()], substitute]
            length += match.start() - start + len(substitute)
            start = match.end()
            if limit is None or length <= limit:
                counts[match.group(0)] = counts.get(match.group(0), 0) + 1
        changed.append("".join(pieces) + chunk[start:])
    made = [{"original": original, "substitute": table[original], "occurrences": count}
            for original, count in counts.items()]  # fmt: skip
    return changed, made
