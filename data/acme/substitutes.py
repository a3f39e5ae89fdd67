"""Write data/acme/substitutes.jsonl: each gold answer value of acme -> another value of its kind.

`strategy.context=counterfactual` (harness/prompts/substitutes.py) replaces a question's gold
answer in
the chunks the model is shown by its substitute here. For every fact of `facts/pages.yaml`, its
`old` value (rev1's answer) gets the fact's `new` value, and the `new` value (rev2's) gets the
`old` one: the same kind by construction. A fact without a `new` value gets another fact's value
of the same `kind` (drawn with `random.Random(seed)`; facts without a kind are grouped by the
shape of the value, digits and words), or failing any, the value with each number changed (seeded).
A substitute never equals its original. Aliases (`6.5GB` beside `6.5 GB`) get the substitute's
alias of the same form, so every gold answer string has its row. The same seed gives the same
file byte for byte:

    python data/acme/substitutes.py            # seed 1234
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from random import Random

import yaml
from prepare import OUT_DIR, with_aliases

PAGES = OUT_DIR / "facts" / "pages.yaml"
OUT = OUT_DIR / "substitutes.jsonl"


def shape(value: str) -> str:
    """A value's form with numbers and words abstracted: 'March 9, 2023' -> 'Aa 0, 0'."""
    return re.sub(r"[A-Z][a-z]+", "Aa", re.sub(r"[a-z]+", "a", re.sub(r"\d+", "0", value)))


def renumbered(value: str, rng: Random) -> str:
    """The value with each number replaced by another of the same length (never the same)."""

    def other(match: re.Match[str]) -> str:
        digits = match.group(0)
        low = 10 ** (len(digits) - 1) if len(digits) > 1 else 0
        choices = [n for n in range(low, 10 ** len(digits)) if str(n) != digits]
        return str(rng.choice(choices[:500]))

    return re.sub(r"\d+", other, value)


def table(seed: int) -> dict[str, str]:
    """Gold answer string -> substitute, for every value and alias of every fact."""
    rng = Random(seed)
    facts = [fact for page in yaml.safe_load(PAGES.read_text()) for fact in page["facts"]]

    def group(fact: dict) -> str:
        return fact.get("kind") or shape(str(fact["old"]))

    peers: dict[str, list[str]] = {}
    for fact in facts:
        for value in (fact["old"], fact.get("new")):
            if value is not None:
                peers.setdefault(group(fact), []).append(str(value))
    pairs: list[tuple[str, str]] = []
    for fact in facts:
        old, new = str(fact["old"]), fact.get("new")
        if new is not None:
            pairs += [(old, str(new)), (str(new), old)]
            continue
        others = sorted({v for v in peers[group(fact)] if v != old})
        pairs.append((old, rng.choice(others) if others else renumbered(old, rng)))
    rows: dict[str, str] = {}
    for original, substitute in pairs:
        forms, replacements = with_aliases(original), with_aliases(substitute)
        for index, form in enumerate(forms):
            alias = replacements[index] if len(replacements) == len(forms) else replacements[0]
            rows.setdefault(form, alias)
    return rows


def main(argv: list[str] | None = None) -> None:
    """Write the table and say how many rows it has."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    rows = table(args.seed)
    text = "".join(
        json.dumps({"value": value, "substitute": substitute}, ensure_ascii=False) + "\n"
        for value, substitute in sorted(rows.items())
    )
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {len(rows)} substitutes")


if __name__ == "__main__":
    main()
