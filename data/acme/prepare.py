"""Generate the synthetic "Acme Cloud Storage" QA dataset (two corpus revisions).

Acme Cloud Storage is a fictional company, so every fact is invented and cannot be known by a
pretrained model. The pages, facts and question phrasings are data, in facts/ beside this file:
pages.yaml (titles, texts with {placeholders}, and the facts that fill them), kinds.yaml
(question templates per kind of fact), unanswerable.yaml and behaviour.yaml (the behaviour
variant's policy, markers, off-topic and competitor-bait questions; see behaviour.py). Output is
fully determined by the seed:

    python data/acme/prepare.py [--seed 1234] [--out DIR]

writes rev1/ and rev2/ (corpus.jsonl, questions.jsonl, behaviour_questions.jsonl), stats.json and
behaviour_stats.json next to this file (or in DIR).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import string
import sys
from dataclasses import dataclass
from pathlib import Path
from random import Random

import yaml

OUT_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(OUT_DIR.parents[1]))  # the scorer's own rules check the answers below
from harness.scoring.correctness import states_answer  # noqa: E402

sys.path.insert(0, str(OUT_DIR))  # behaviour.py, beside this file, also when imported
from behaviour import (  # noqa: E402
    FILE,
    Material,
    Style,
    behaviour_rows,
    behaviour_stats,
    check_behaviour,
    extra_questions,
    print_behaviour_stats,
)

FACTS_DIR = OUT_DIR / "facts"
REVS = ("rev1", "rev2")
TEST_FACT_SHARE = 0.72  # share of facts that get one held-out test phrasing
CHANGED_SHARE = 0.15  # share of facts whose value changes in rev2
CHANGED_TEST_SHARE = 0.13  # share of test facts (facts with a test question) changed in rev2
N_TEST_UNANSWERABLE = 24
MIN_WORDS, MAX_WORDS = 80, 200


@dataclass(frozen=True)
class Fact:
    """One question-worthy value stated in exactly one document."""

    key: str
    questions: tuple[str, str, str]
    old: str
    new: str | None = None  # value in rev2 if this fact is picked for a change


@dataclass(frozen=True)
class Doc:
    """A documentation page whose text holds {key} placeholders for its facts."""

    title: str
    template: str
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class Plan:
    """Seeded choices: held-out phrasing per test fact, changed facts, test unanswerables."""

    test_phrasing: dict[str, int]  # fact id -> index of its test phrasing
    changed: frozenset[str]  # fact ids whose value changes in rev2
    test_unanswerable: frozenset[int]  # indexes into UNANSWERABLE


def main(argv: list[str] | None = None) -> None:
    """Build both revisions, validate them, write the files and print statistics."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder to write (default: here)")
    args = parser.parse_args(argv)
    seed, out = args.seed, args.out
    plan = make_plan(Random(seed))
    questions = build_questions(plan)
    extra = extra_questions(BEHAVIOUR, seed)  # its own Random: the draws above stay the same
    problems = check_fact_table() + check_scorer_tells_facts_apart()
    outputs = {}
    for rev in REVS:
        corpus = build_corpus(rev, plan)
        rows = [dict(q, answers=answers_for(q["_fact"], rev, plan)) for q in questions]
        problems += validate(corpus, rows, rev)
        behaviour = behaviour_rows([public(r) for r in rows], extra, BEHAVIOUR)
        problems += check_behaviour(BEHAVIOUR, behaviour, extra, corpus, rev)
        outputs[rev] = corpus, rows, behaviour
    assert not problems, "\n".join(["dataset checks failed:", *problems])
    for rev, (corpus, rows, behaviour) in outputs.items():
        write_jsonl(out / rev / "corpus.jsonl", corpus)
        write_jsonl(out / rev / "questions.jsonl", [public(r) for r in rows])
        write_jsonl(out / rev / FILE, behaviour)
    stats = compute_stats(seed, questions, plan)
    (out / "stats.json").write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    extra_stats = behaviour_stats(seed, questions, extra, BEHAVIOUR)
    text = json.dumps(extra_stats, indent=2, ensure_ascii=False) + "\n"
    (out / "behaviour_stats.json").write_text(text, encoding="utf-8")
    print_stats(stats)
    print_behaviour_stats(extra_stats)


# ---------------------------------------------------------------- construction


def iter_facts() -> list[tuple[str, Fact, str]]:
    """Return (fact id, fact, doc id) for every fact, in document order."""
    return [(f"{doc_id(i)}:{f.key}", f, doc_id(i)) for i, d in enumerate(DOCS) for f in d.facts]


def doc_id(index: int) -> str:
    """Return the stable id of the index-th document."""
    return f"doc-{index + 1:03d}"


def make_plan(rng: Random) -> Plan:
    """Draw test phrasings, changed facts and test unanswerables from the seeded RNG."""
    ids = list(FACTS_BY_ID)
    test_ids = sorted(rng.sample(ids, round(TEST_FACT_SHARE * len(ids))), key=ids.index)
    test_phrasing = {fid: rng.randrange(3) for fid in test_ids}
    n_changed = round(CHANGED_SHARE * len(ids))
    n_changed_test = math.ceil(CHANGED_TEST_SHARE * len(test_ids))
    changeable = [fid for fid in ids if FACTS_BY_ID[fid].new is not None]
    pool_test = [fid for fid in changeable if fid in test_phrasing]
    pool_train = [fid for fid in changeable if fid not in test_phrasing]
    changed = rng.sample(pool_test, n_changed_test)
    changed += rng.sample(pool_train, n_changed - n_changed_test)
    test_unanswerable = rng.sample(range(len(UNANSWERABLE)), N_TEST_UNANSWERABLE)
    n_test = len(test_ids) + N_TEST_UNANSWERABLE
    assert N_TEST_UNANSWERABLE / n_test >= 0.1, "too few unanswerable test questions"
    assert n_changed_test >= 0.12 * len(test_ids) and n_changed >= 0.12 * len(ids)
    return Plan(test_phrasing, frozenset(changed), frozenset(test_unanswerable))


def value_of(fact_id: str, rev: str, plan: Plan) -> str:
    """Return the fact's value in the given revision."""
    fact = FACTS_BY_ID[fact_id]
    return fact.new if rev == "rev2" and fact_id in plan.changed and fact.new else fact.old


def build_corpus(rev: str, plan: Plan) -> list[dict]:
    """Render every document for one revision."""
    rows = []
    for i, doc in enumerate(DOCS):
        values = {f.key: value_of(f"{doc_id(i)}:{f.key}", rev, plan) for f in doc.facts}
        rows.append({"id": doc_id(i), "title": doc.title, "text": render(doc, values)})
    return rows


def render(doc: Doc, values: dict[str, str]) -> str:
    """Fill a document template (placeholders = fact keys, checked on loading); paragraphs are
    separated by blank lines, and line breaks inside a paragraph become spaces."""
    paragraphs = doc.template.strip().split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs).format(**values)


def build_questions(plan: Plan) -> list[dict]:
    """Create question rows (answers filled per revision later), ids in a fixed order."""
    rows: list[dict] = []
    for fid, fact, did in iter_facts():
        for k, text in enumerate(fact.questions):
            split = "test" if plan.test_phrasing.get(fid) == k else "train"
            rows.append({"question": text, "split": split, "doc_ids": [did], "_fact": fid})
    for k, (text, _probe) in enumerate(UNANSWERABLE):
        split = "test" if k in plan.test_unanswerable else "train"
        rows.append({"question": text, "split": split, "doc_ids": [], "_fact": None})
    return [{"id": f"q-{n + 1:04d}", **row} for n, row in enumerate(rows)]


def answers_for(fact_id: str | None, rev: str, plan: Plan) -> list[str]:
    """Return the gold answers (canonical value first) for a fact in a revision."""
    if fact_id is None:
        return []
    return with_aliases(value_of(fact_id, rev, plan))


def with_aliases(value: str) -> list[str]:
    """Return the value plus natural formatting variants (never a bare number)."""
    out = [value]
    if m := re.fullmatch(r"([\d.,]+) (GB|MB|TB)", value):
        out.append(m[1] + m[2])
    if m := re.fullmatch(r"\$([\d.,]+)", value):
        out.append(f"{m[1]} USD")
    if m := re.fullmatch(r"([A-Z][a-z]+) (\d{1,2}), (\d{4})", value):
        out.append(f"{m[2]} {m[1]} {m[3]}")
    if value.startswith("https://"):
        out.append(value.removeprefix("https://"))
    out += [a.replace(",", "") for a in out if re.search(r"\d,\d{3}", a)]
    return list(dict.fromkeys(out))


def public(row: dict) -> dict:
    """Drop private bookkeeping keys and fix the field order."""
    return {k: row[k] for k in ("id", "question", "answers", "split", "doc_ids")}


def write_jsonl(path: Path, rows: list[dict]) -> None:
    """Write rows as UTF-8 JSON lines with LF newlines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    path.write_bytes(lines.encode("utf-8"))


# ------------------------------------------------------------------ validation


def norm(text: str) -> str:
    """Lower-case and collapse whitespace for containment checks."""
    return " ".join(text.lower().split())


def validate(corpus: list[dict], rows: list[dict], rev: str) -> list[str]:
    """Check one rendered revision: doc lengths, gold answers present only in their doc."""
    problems = []
    texts = {d["id"]: norm(d["title"] + "\n" + d["text"]) for d in corpus}
    for doc in corpus:
        n_words = len(doc["text"].split())
        if not MIN_WORDS <= n_words <= MAX_WORDS:
            problems.append(f"{rev} {doc['id']}: {n_words} words")
    for row in rows:
        if not row["answers"]:
            continue
        (own,) = row["doc_ids"]
        if norm(row["answers"][0]) not in texts[own]:
            problems.append(f"{rev} {row['id']}: {row['answers'][0]!r} not in {own}")
        for answer in row["answers"]:
            hits = [d for d, t in texts.items() if d != own and norm(answer) in t]
            if hits:
                problems.append(f"{rev} {row['id']}: {answer!r} also in {hits}")
    return problems + check_splits(rows)


def check_splits(rows: list[dict]) -> list[str]:
    """Every question text is unique and every fact keeps at least two train phrasings."""
    problems = []
    texts = [norm(r["question"]) for r in rows]
    problems += [f"duplicate question {t!r}" for t in sorted(set(texts)) if texts.count(t) > 1]
    problems += [f"no question mark: {r['question']!r}" for r in rows if r["question"][-1] != "?"]
    train = [r["_fact"] for r in rows if r["_fact"] and r["split"] == "train"]
    problems += [f"{fid}: < 2 train phrasings" for fid in FACTS_BY_ID if train.count(fid) < 2]
    return problems


def check_fact_table() -> list[str]:
    """Check every possible (old and new) value of every fact, whatever the seed picks."""
    # Answers must be long enough, never inside another fact's answers or another document's
    # fixed text, old and new values must not contain each other, and no unanswerable probe
    # may occur anywhere in the corpus.
    problems = []
    answers = []  # (fact id, normalised answer)
    for fid, fact, _ in iter_facts():
        old = [norm(a) for a in with_aliases(fact.old)]
        new = [norm(a) for a in with_aliases(fact.new)] if fact.new else []
        answers += [(fid, a) for a in dict.fromkeys(old + new)]
        problems += [f"{fid}: {a!r} vs {b!r}" for a in old for b in new if a in b or b in a]
    problems += [f"{fid}: answer {a!r} too short" for fid, a in answers if len(a) < 4]
    for fid_a, a in answers:
        problems += [
            f"{a!r} ({fid_a}) inside {b!r} ({fid_b})"
            for fid_b, b in answers
            if fid_a != fid_b and a in b
        ]
    static = {
        doc_id(i): norm(d.title + " " + re.sub(r"\{\w+\}", " | ", d.template))
        for i, d in enumerate(DOCS)
    }
    for fid, a in answers:
        own = fid.split(":")[0]
        hits = [d for d, text in static.items() if d != own and a in text]
        problems += [f"{fid}: {a!r} appears in {hits}"] if hits else []
    everything = " ".join(static.values()) + " " + " ".join(a for _, a in answers)
    for question, probe in UNANSWERABLE:
        if re.search(r"(?<!\w)" + re.escape(norm(probe)) + r"(?!\w)", everything):
            problems.append(f"unanswerable probe {probe!r} found in corpus ({question})")
    return problems


def check_scorer_tells_facts_apart() -> list[str]:
    """With the harness's own scorer: stating any other value (another fact's, or this fact's
    other revision) is never accepted as a fact's answer, and no answer is a bare number.

    Values that state the same amount both ways ("14 days" and "2 weeks") are one value, not a
    rival: a reader accepts either for both facts.
    """
    problems = []
    values = [(fid, v) for fid, fact, _ in iter_facts() for v in (fact.old, fact.new) if v]
    for fid, fact, _ in iter_facts():
        for revision_value in (fact.old, fact.new):
            if not revision_value:
                continue
            gold = with_aliases(revision_value)
            if re.fullmatch(r"[\d.,]+", revision_value):
                problems.append(f"{fid}: answer {revision_value!r} is a bare number; give its unit")
            problems += [
                f"{fid}: stating {other!r} ({other_fid}) is accepted as {revision_value!r}"
                for other_fid, other in values
                if other != revision_value
                and states_answer(other, gold)
                and not states_answer(revision_value, with_aliases(other))
            ]
    return problems


# -------------------------------------------------------------------- statistics


def compute_stats(seed: int, questions: list[dict], plan: Plan) -> dict:
    """Summarise the dataset (identical for both revisions except the answers)."""
    splits: dict[str, dict[str, int]] = {}
    changed_ids: dict[str, list[str]] = {"train": [], "test": []}
    for q in questions:
        s = splits.setdefault(q["split"], {"answerable": 0, "unanswerable": 0, "total": 0})
        s["answerable" if q["_fact"] else "unanswerable"] += 1
        s["total"] += 1
        if q["_fact"] in plan.changed:
            changed_ids[q["split"]].append(q["id"])
    n_facts, n_test_facts = len(FACTS_BY_ID), len(plan.test_phrasing)
    n_changed_test = len(plan.changed & plan.test_phrasing.keys())
    return {
        "seed": seed,
        "documents": len(DOCS),
        "facts": n_facts,
        "facts_with_test_question": n_test_facts,
        "changed_facts_rev2": len(plan.changed),
        "changed_facts_rev2_share": round(len(plan.changed) / n_facts, 3),
        "changed_test_facts_rev2": n_changed_test,
        "changed_test_facts_rev2_share": round(n_changed_test / n_test_facts, 3),
        "questions": {"train": splits["train"], "test": splits["test"], "total": len(questions)},
        "test_unanswerable_share": round(
            splits["test"]["unanswerable"] / splits["test"]["total"], 3
        ),
        "changed_question_counts": {k: len(v) for k, v in changed_ids.items()},
        "changed_facts": [
            {"fact": fid, "rev1": value_of(fid, "rev1", plan), "rev2": value_of(fid, "rev2", plan)}
            for fid in FACTS_BY_ID
            if fid in plan.changed
        ],
        "changed_question_ids": changed_ids,
    }


def print_stats(stats: dict) -> None:
    """Print a human-readable summary of stats.json."""
    q = stats["questions"]
    print(f"seed {stats['seed']}: {stats['documents']} documents, {stats['facts']} facts")
    for split in ("train", "test"):
        s = q[split]
        print(
            f"  {split:5s}: {s['total']} questions "
            f"({s['answerable']} answerable, {s['unanswerable']} unanswerable)"
        )
    print(f"  total: {q['total']} questions")
    print(f"  test unanswerable share: {stats['test_unanswerable_share']:.1%}")
    print(f"  facts with a test phrasing: {stats['facts_with_test_question']}")
    print(
        f"  rev2 changed facts: {stats['changed_facts_rev2']} "
        f"({stats['changed_facts_rev2_share']:.1%} of facts; "
        f"{stats['changed_test_facts_rev2']} = {stats['changed_test_facts_rev2_share']:.1%} "
        "of test facts)"
    )
    c = stats["changed_question_counts"]
    print(f"  rev2 questions with new answers: {c['train']} train, {c['test']} test")


# ----------------------------------------------------------------- data files


class FactsFileError(ValueError):
    """A data file in facts/ is malformed; the message names the file and the field."""


def shown(path: Path) -> str:
    """Return the path as written from the repository root, for error messages."""
    return path.relative_to(OUT_DIR.parents[1]).as_posix()


def read_yaml(path: Path) -> object:
    """Parse one data file; an unreadable file or a YAML syntax error is a FactsFileError."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise FactsFileError(f"{shown(path)}: cannot read it ({error.strerror})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" line {mark.line + 1}:" if mark else ""
        problem = getattr(error, "problem", None) or "not valid YAML"
        if context := getattr(error, "context", None):
            problem = f"{context}: {problem}"
        raise FactsFileError(f"{shown(path)}:{line} {problem}") from None


def entry_of(value: object, where: str, required: set[str], optional: set[str]) -> dict:
    """Return value if it is a mapping with all required fields and no unknown ones."""
    if not isinstance(value, dict):
        raise FactsFileError(f"{where}: expected a mapping of fields, got {value!r}")
    if missing := sorted(required - value.keys()):
        raise FactsFileError(f"{where}: missing field '{missing[0]}'")
    if unknown := sorted(map(str, value.keys() - required - optional)):
        raise FactsFileError(f"{where}: unknown field '{unknown[0]}'")
    return value


def text_of(entry: dict, name: str, where: str) -> str:
    """Return the field as a non-empty string (a bare number or date in YAML must be quoted)."""
    value = entry[name]
    if not isinstance(value, str) or not value.strip():
        raise FactsFileError(f"{where}: field '{name}' must be a non-empty string, got {value!r}")
    return value


def three_texts(value: object, where: str) -> tuple[str, str, str]:
    """Return a list of exactly three non-empty strings as a tuple."""
    if not isinstance(value, list) or len(value) != 3:
        raise FactsFileError(f"{where} must be a list of three strings, got {value!r}")
    if bad := [v for v in value if not isinstance(v, str) or not v.strip()]:
        raise FactsFileError(f"{where} must be non-empty strings, got {bad[0]!r}")
    first, second, third = value
    return first, second, third


def load_kinds(path: Path) -> dict[str, tuple[str, str, str]]:
    """Read the question templates per fact kind; each uses {s} for the subject, and only it."""
    data = read_yaml(path)
    if not isinstance(data, dict) or not data:
        raise FactsFileError(f"{shown(path)}: expected a mapping of kind -> three templates")
    kinds = {}
    for kind, templates in data.items():
        where = f"{shown(path)}: kind {kind!r}"
        kinds[str(kind)] = three_texts(templates, f"{where}: the templates")
        for template in kinds[str(kind)]:
            if placeholders(template, where) != {"s"}:
                raise FactsFileError(f"{where}: {template!r} must use {{s}} and nothing else")
    return kinds


def placeholders(template: str, where: str) -> set[str]:
    """Return the {names} in a format string."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as error:
        raise FactsFileError(f"{where}: bad braces in {template!r} ({error})") from None


def load_pages(path: Path, kinds: dict[str, tuple[str, str, str]]) -> list[Doc]:
    """Read the documentation pages, in document order."""
    data = read_yaml(path)
    if not isinstance(data, list) or not data:
        raise FactsFileError(f"{shown(path)}: expected a list of pages")
    docs = []
    for n, value in enumerate(data, start=1):
        where = f"{shown(path)}: page {n}"
        entry = entry_of(value, where, {"title", "template", "facts"}, set())
        title = text_of(entry, "title", where)
        where = f"{where} ({title!r})"
        template = text_of(entry, "template", where)
        if not isinstance(entry["facts"], list) or not entry["facts"]:
            raise FactsFileError(f"{where}: field 'facts' must be a non-empty list")
        facts = tuple(
            load_fact(fact, f"{where}, fact {k}", kinds)
            for k, fact in enumerate(entry["facts"], start=1)
        )
        keys = [fact.key for fact in facts]
        if len(set(keys)) < len(keys) or placeholders(template, where) != set(keys):
            raise FactsFileError(
                f"{where}: the template's placeholders {sorted(placeholders(template, where))} "
                f"must be the facts' keys {keys}, each once"
            )
        docs.append(Doc(title, template, facts))
    return docs


def load_fact(value: object, where: str, kinds: dict[str, tuple[str, str, str]]) -> Fact:
    """Read one fact: key, old, optional new, and `questions` or `kind` + `subject`."""
    if isinstance(value, dict) and isinstance(value.get("key"), str):
        where = f"{where} ({value['key']!r})"
    written = isinstance(value, dict) and "questions" in value
    if written and value.keys() & {"kind", "subject"}:
        raise FactsFileError(f"{where}: give 'questions' or 'kind' and 'subject', not both")
    wording = {"questions"} if written else {"kind", "subject"}
    entry = entry_of(value, where, {"key", "old"} | wording, {"new"})
    key, old = text_of(entry, "key", where), text_of(entry, "old", where)
    new = text_of(entry, "new", where) if "new" in entry else None
    if written:
        return Fact(key, three_texts(entry["questions"], f"{where}: field 'questions'"), old, new)
    kind, subject = text_of(entry, "kind", where), text_of(entry, "subject", where)
    if kind not in kinds:
        raise FactsFileError(f"{where}: field 'kind' {kind!r} is not in kinds.yaml")
    first, second, third = (template.format(s=subject) for template in kinds[kind])
    return Fact(key, (first, second, third), old, new)


def load_unanswerable(path: Path, kinds: dict[str, tuple[str, str, str]]) -> list[tuple[str, str]]:
    """Read the (question, probe) pairs; a question is written out or built from a kind."""
    data = read_yaml(path)
    if not isinstance(data, list) or not data:
        raise FactsFileError(f"{shown(path)}: expected a list of questions")
    pairs = []
    for n, value in enumerate(data, start=1):
        where = f"{shown(path)}: entry {n}"
        written = isinstance(value, dict) and "question" in value
        wording = {"question"} if written else {"kind", "phrasing", "subject"}
        entry = entry_of(value, where, {"probe"} | wording, set())
        probe = text_of(entry, "probe", where)
        if written:
            pairs.append((text_of(entry, "question", where), probe))
            continue
        kind, phrasing = text_of(entry, "kind", where), entry["phrasing"]
        if kind not in kinds:
            raise FactsFileError(f"{where}: field 'kind' {kind!r} is not in kinds.yaml")
        if type(phrasing) is not int or phrasing not in (1, 2, 3):
            raise FactsFileError(f"{where}: field 'phrasing' must be 1, 2 or 3, got {phrasing!r}")
        subject = text_of(entry, "subject", where)
        pairs.append((kinds[kind][phrasing - 1].format(s=subject), probe))
    return pairs


def load_behaviour(path: Path) -> Material:
    """Read the behaviour variant's policy, fallback phrase, house style, competitors and
    questions (off-topic ones grouped by kind, and competitor bait)."""
    where = shown(path)
    fields = {"fallback", "policy", "house_style", "competitors", "off_topic", "competitor_bait"}
    entry = entry_of(read_yaml(path), where, fields, set())
    style_where = f"{where}: house_style"
    markers, limits = ("opener", "lead", "sign_off"), ("max_sentences", "max_words")
    style = entry_of(entry["house_style"], style_where, {*markers, *limits}, set())
    for name in limits:
        if type(style[name]) is not int or style[name] < 1:
            raise FactsFileError(f"{style_where}: field '{name}' must be a positive whole number")
    off_topic = entry["off_topic"]
    if not isinstance(off_topic, dict) or not off_topic:
        raise FactsFileError(f"{where}: field 'off_topic' must map kinds to lists of questions")
    return Material(
        fallback=text_of(entry, "fallback", where),
        policy=text_of(entry, "policy", where),
        style=Style(
            *(text_of(style, name, style_where) for name in markers),
            *(style[name] for name in limits),
        ),
        competitors=texts_of(entry["competitors"], f"{where}: field 'competitors'"),
        off_topic={
            str(kind): texts_of(texts, f"{where}: off_topic {kind!r}")
            for kind, texts in off_topic.items()
        },
        bait=texts_of(entry["competitor_bait"], f"{where}: field 'competitor_bait'"),
    )


def texts_of(value: object, where: str) -> tuple[str, ...]:
    """Return a non-empty list of non-empty strings as a tuple."""
    if not isinstance(value, list) or not value:
        raise FactsFileError(f"{where} must be a non-empty list of strings")
    if bad := [v for v in value if not isinstance(v, str) or not v.strip()]:
        raise FactsFileError(f"{where} must hold non-empty strings, got {bad[0]!r}")
    return tuple(value)


try:
    KINDS = load_kinds(FACTS_DIR / "kinds.yaml")
    DOCS = load_pages(FACTS_DIR / "pages.yaml", KINDS)
    UNANSWERABLE = load_unanswerable(FACTS_DIR / "unanswerable.yaml", KINDS)
    BEHAVIOUR = load_behaviour(FACTS_DIR / "behaviour.yaml")
except FactsFileError as error:
    raise SystemExit(f"error: {error}") from None
FACTS_BY_ID: dict[str, Fact] = {fid: fact for fid, fact, _ in iter_facts()}


if __name__ == "__main__":
    main()
