"""How often the scorer agrees with people: `python -m harness.scoring.agreement`.

`python -m harness.scoring.agreement --judge <conf/model name> [model.key=value ...]` also asks a
model judge (`harness.scoring.model_judge`) and prints its agreement beside the rules'; it is
asked about the rows the rules mark uncertain, or with `--judge-asks all` about every row the rules
call correct or wrong.

Label sets: `data/acme/labels/` (the synthetic handbook) and `data/realqa/<article>/labels/` (real,
human-written text: SQuAD v1.1 articles; news of 2024, whose labels hold hashes in place of the
text: `harness.scoring.hashed_labels`, rejoined to the shared folder `--news-shared` and the runs
`--news-runs`); each is printed as a table of its own.

`data/acme/labels/*.jsonl` holds predictions of several strategies and backends on the acme test
split, each labelled by a person who read the question, the gold answer and the documents:
`correct` (the fact is stated), `wrong` (something else is asserted), `abstained` or `empty`.
The scorer agrees on a row when it calls it correct exactly when the label does. A false accept is
a row the scorer calls correct that the label does not; a false reject the other way round.

The behaviour checks (`harness/scoring/behaviour.py`) have their own labels, `behaviour.jsonl` in
the same folder: per check type of a row, whether a reader finds the part of the policy that type
stands for kept. A false accept there is a check that passes where the reader finds the rule
broken; a false reject a check that fails where the reader finds it kept.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.config import ROOT
from harness.errors import HarnessError
from harness.scoring import ScoringRules
from harness.scoring.behaviour import compliance, parse_checks
from harness.scoring.label_counts import (
    agreement,
    asked_line,
    judge_says_correct,
    read_label_files,
    rules_say_correct,
    uncertain_counts,
)

LABELS_DIR = ROOT / "data" / "acme" / "labels"
REALQA_DIR = ROOT / "data" / "realqa"  # <article>/labels/*.jsonl: answers about real text
BEHAVIOUR_FILE = "behaviour.jsonl"  # in LABELS_DIR, beside the knowledge labels
# the citation parser's labels (tests/test_citation_labels.py), also beside them: no verdicts
CITATIONS_FILE = "citations.jsonl"
# The rules of the acme behaviour policy that several check types stand for together
# (data/acme/README.md, "Checks and reference replies"); `fallback` and `not_contains` (the
# competitors) are a rule each.
BEHAVIOUR_RULES = {
    "house format": ("contains", "max_sentences", "max_words"),
    "brand voice": ("starts_with", "ends_with"),
}


def load_labels(folder: Path = LABELS_DIR) -> list[dict[str, Any]]:
    """Every labelled prediction in `folder`'s JSONL files (but the behaviour and citation
    labels), checked field by field."""
    other = (BEHAVIOUR_FILE, CITATIONS_FILE)
    files = sorted(p for p in folder.glob("*.jsonl") if p.name not in other)
    if not files:
        raise HarnessError(f"no label files in {folder}: expected *.jsonl")
    return read_label_files(files, ("id", "strategy", "question", "answers", "prediction", "label"))


def label_sets() -> dict[str, Path]:
    """The labelled folders the agreement command reports by default, by a short name."""
    real = sorted(p for p in REALQA_DIR.glob("*/labels") if any(p.glob("*.jsonl")))
    return {"acme": LABELS_DIR, **{f"realqa/{p.parent.name}": p for p in real}}


def by_group(
    rows: list[dict[str, Any]], says_correct: Callable[[dict[str, Any]], bool], key: str
) -> dict[str, dict[str, Any]]:
    """`agreement` per value of `key` (e.g. strategy), plus "all"."""
    groups = sorted({str(row[key]) for row in rows})
    table = {g: agreement([r for r in rows if str(r[key]) == g], says_correct) for g in groups}
    return {**table, "all": agreement(rows, says_correct)}


def load_behaviour_labels(path: Path = LABELS_DIR / BEHAVIOUR_FILE) -> list[dict[str, Any]]:
    """The hand-labelled behaviour rows of `path`, checked field by field: a label per check type
    of the row, each true (the reader finds that rule kept) or false."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path} line {number}"
        row = json.loads(line)
        for key in ("id", "strategy", "model", "question", "prediction", "checks", "labels"):
            if key not in row:
                raise HarnessError(f"{where}: field {key!r} is missing")
        types = {check.type for check in parse_checks(row["checks"], where)}
        labels = row["labels"]
        if not isinstance(labels, dict) or set(labels) != types:
            raise HarnessError(
                f"{where}: field 'labels' must give one label per check type of the row: "
                f"{', '.join(sorted(types))}"
            )
        if not all(isinstance(label, bool) for label in labels.values()):
            raise HarnessError(f"{where}: field 'labels' holds true or false per check type")
        rows.append(row)
    return rows


def behaviour_agreement(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per check type, then per rule of several types (all its checks at once): rows, rows a
    reader finds kept, agreements, false accepts and false rejects of the checks, as counts."""
    by_type: dict[str, list[tuple[bool, bool]]] = {}  # (the checks pass, the reader finds kept)
    by_rule: dict[str, list[tuple[bool, bool]]] = {}
    for row in rows:
        passes = compliance(parse_checks(row["checks"], row["id"]), row["prediction"])
        for kind, passed in passes.items():
            by_type.setdefault(kind, []).append((passed, row["labels"][kind]))
        for rule, kinds in BEHAVIOUR_RULES.items():
            if set(kinds) <= set(passes):
                pair = (all(passes[k] for k in kinds), all(row["labels"][k] for k in kinds))
                by_rule.setdefault(f"{rule} ({', '.join(kinds)})", []).append(pair)
    return {name: _counts(pairs) for name, pairs in [*sorted(by_type.items()), *by_rule.items()]}


def _counts(pairs: list[tuple[bool, bool]]) -> dict[str, int]:
    return {
        "rows": len(pairs),
        "labelled_kept": sum(kept for _, kept in pairs),
        "agreements": sum(passed == kept for passed, kept in pairs),
        "false_accepts": sum(passed and not kept for passed, kept in pairs),
        "false_rejects": sum(kept and not passed for passed, kept in pairs),
    }


def format_behaviour_table(table: dict[str, dict[str, int]]) -> str:
    """A Markdown table of the behaviour checks' agreement with the labels."""
    lines = [
        "| check type or rule | labelled | labelled kept | agreement | false accepts "
        "| false rejects |",
        "|---|---|---|---|---|---|",
    ]
    for name, f in table.items():
        share = {
            k: f"{f[k]} ({100 * f[k] / f['rows']:.1f} %)"
            for k in ("agreements", "false_accepts", "false_rejects")
        }
        lines.append(
            f"| {name} | {f['rows']} | {f['labelled_kept']} | {share['agreements']} | "
            f"{share['false_accepts']} | {share['false_rejects']} |"
        )
    return "\n".join(lines)


def format_table(table: dict[str, dict[str, Any]]) -> str:
    """A Markdown table of agreement figures."""
    lines = [
        "| predictions | labelled | labelled correct | agreement | false accepts | false rejects |",
        "|---|---|---|---|---|---|",
    ]
    for name, figures in table.items():
        lines.append(
            f"| {name} | {figures['rows']} | {figures['labelled_correct']} | "
            f"{100 * figures['agreement']:.1f} % | {100 * figures['false_accepts']:.1f} % | "
            f"{100 * figures['false_rejects']:.1f} % |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """CLI entry: print the scorer's agreement with the hand labels, per label set and labelled
    file, then the behaviour checks' per strategy and in all."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, help="one folder of *.jsonl (default: every set)")
    parser.add_argument("--judge", help="also a model judge: a conf/model name, e.g. gpt-4o-mini")
    parser.add_argument(
        "--judge-asks",
        choices=("uncertain", "all"),
        default="uncertain",
        help="the rows the judge is asked about: those the rules mark uncertain, or all",
    )
    parser.add_argument(
        "--news-shared",
        type=Path,
        help="the folder of the news questions and corpus (default: ../shared/realqa/<set>/)",
    )
    parser.add_argument(
        "--news-runs",
        type=Path,
        nargs="+",
        help="the run folders answering them, or folders of runs (default: results/runs)",
    )
    parser.add_argument("overrides", nargs="*", help="the judge's settings: model.key=value")
    args = parser.parse_args(argv)
    from harness.scoring import hashed_labels  # it imports this module's functions

    rules = ScoringRules(judge_asks=args.judge_asks)
    sets = {str(args.labels): args.labels} if args.labels else label_sets()
    try:
        model_judge = None
        if args.judge:
            from harness.run.judge import compose_judge_config, load_judge

            cache = compose_judge_config(args.judge, args.overrides).paths.cache_dir
            model_judge = load_judge(args.judge, args.overrides, cache)
        for name, folder in sets.items():
            if hashed_labels.is_hashed(folder):
                if len(sets) > 1:
                    print(f"\n## {name} (hashed labels, {_shown(folder)})\n")
                shared = args.news_shared or hashed_labels.SHARED_ROOT / folder.parent.name
                runs = args.news_runs or [hashed_labels.RUNS_DIR]
                hashed_labels.print_hashed_set(name, folder, shared, runs, rules, model_judge)
                continue
            _print_set(name, folder, rules, model_judge, len(sets) > 1)
    except HarnessError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)


def _shown(folder: Path) -> Path:
    """`folder` relative to the repository where it lies inside it."""
    return folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder


def _print_set(
    name: str, folder: Path, rules: ScoringRules, model_judge: Any, titled: bool
) -> None:
    """The tables of one label set: rules, behaviour checks (where labelled), the judge."""
    rows = load_labels(folder)
    if titled:
        print(f"\n## {name} ({_shown(folder)})\n")
    print("rules (harness/scoring):")
    print(format_table(by_group(rows, rules_say_correct(rules), "file")))
    counts = uncertain_counts(rows, rules)
    listed = "; ".join(f"{why}: {n}" for why, n in sorted(counts.items())) or "none"
    print(f"uncertain verdicts, {sum(counts.values())} of {len(rows)} rows: {listed}")
    if (folder / BEHAVIOUR_FILE).exists():
        behaviour = load_behaviour_labels(folder / BEHAVIOUR_FILE)
        for strategy in sorted({row["strategy"] for row in behaviour}):
            print(f"\nbehaviour checks (harness/scoring/behaviour.py), {strategy}:")
            chosen = [row for row in behaviour if row["strategy"] == strategy]
            print(format_behaviour_table(behaviour_agreement(chosen)))
        print("\nbehaviour checks (harness/scoring/behaviour.py), all strategies:")
        print(format_behaviour_table(behaviour_agreement(behaviour)))
    if model_judge is not None:
        before = (model_judge.unparsed, model_judge.sent)
        says = judge_says_correct(rows, rules, model_judge)
        print(
            f"\nmodel judge {model_judge.config} (asked about {rules.judge_asks} rows where the "
            "rules saw an answer; the rules decide the rest):"
        )
        print(format_table(by_group(rows, says, "file")))
        print(asked_line(rows, rules, says))
        print(
            f"unparsed replies (the rules decided those rows): {model_judge.unparsed - before[0]}"
            f"; requests sent: {model_judge.sent - before[1]}"
        )


if __name__ == "__main__":
    main()
