"""Generate the synthetic "Acme Cloud Storage" QA dataset (two corpus revisions).

Acme Cloud Storage is a fictional company, so every fact below is invented and cannot be
known by a pretrained model. Output is fully determined by the seed:

    python data/acme/prepare.py [--seed 1234]

writes rev1/ and rev2/ (corpus.jsonl + questions.jsonl) and stats.json next to this file.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import string
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from random import Random

OUT_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(OUT_DIR.parents[1]))  # the scorer's own rules check the answers below
from harness.scoring.correctness import states_answer  # noqa: E402

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


def main() -> None:
    """Build both revisions, validate them, write the files and print statistics."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1234)
    seed = parser.parse_args().seed
    plan = make_plan(Random(seed))
    questions = build_questions(plan)
    problems = check_fact_table() + check_scorer_tells_facts_apart()
    outputs = {}
    for rev in REVS:
        corpus = build_corpus(rev, plan)
        rows = [dict(q, answers=answers_for(q["_fact"], rev, plan)) for q in questions]
        problems += validate(corpus, rows, rev)
        outputs[rev] = corpus, rows
    assert not problems, "\n".join(["dataset checks failed:", *problems])
    for rev, (corpus, rows) in outputs.items():
        write_jsonl(OUT_DIR / rev / "corpus.jsonl", corpus)
        write_jsonl(OUT_DIR / rev / "questions.jsonl", [public(r) for r in rows])
    stats = compute_stats(seed, questions, plan)
    (OUT_DIR / "stats.json").write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    print_stats(stats)


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
    """Fill a document template; paragraphs are separated by blank lines."""
    fields = [name for _, name, _, _ in string.Formatter().parse(doc.template) if name]
    assert sorted(fields) == sorted(values), f"placeholders differ from facts in {doc.title!r}"
    paragraphs = textwrap.dedent(doc.template).strip().split("\n\n")
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


# ---------------------------------------------------------------- data helpers

REVS = ("rev1", "rev2")

# Question templates per fact kind; {s} is the fact's subject phrase.
KINDS: dict[str, tuple[str, str, str]] = {
    "price": (
        "How much does {s} cost?",
        "What is the list price of {s}?",
        "What would I pay for {s} at Acme Cloud Storage?",
    ),
    "storage": (
        "How much storage is included with {s}?",
        "What storage allowance comes with {s}?",
        "How much space does {s} give you?",
    ),
    "maxfile": (
        "What is the maximum file size {s}?",
        "How large can a single file be {s}?",
        "What's the biggest file Acme Cloud Storage accepts {s}?",
    ),
    "rate": (
        "What is the rate limit for {s}?",
        "How many requests can be sent to {s} before throttling starts?",
        "How often can a client call {s} without being rate-limited?",
    ),
    "endpoint": (
        "Which API endpoint is used to {s}?",
        "What is the path of the Acme API call that lets you {s}?",
        "If I want to {s} programmatically, which endpoint do I call?",
    ),
    "meaning": (
        "What does error code {s} mean?",
        "What problem does the Acme error {s} report?",
        "A request to Acme Cloud Storage failed with {s}. What is the cause?",
    ),
    "errcode": (
        "Which error code does Acme Cloud Storage return when {s}?",
        "What is the Acme error code for the case where {s}?",
        "If {s}, which error code will I see?",
    ),
    "port": (
        "Which port does {s} use?",
        "What port number has to be open for {s}?",
        "On what network port does {s} communicate?",
    ),
    "retention": (
        "How long does Acme Cloud Storage keep {s}?",
        "What is the retention period for {s}?",
        "For what period are {s} retained?",
    ),
    "released": (
        "When was {s} released?",
        "What was the release date of {s}?",
        "On which date did {s} become available?",
    ),
    "retired": (
        "When will {s} be shut down?",
        "What is the retirement date for {s}?",
        "After which date will {s} stop working?",
    ),
    "codename": (
        "What was the codename of {s}?",
        "What internal name did Acme use for {s}?",
        "Under which codename was {s} developed?",
    ),
    "city": (
        "In which city is {s} located?",
        "Where is {s} physically hosted?",
        "Which city's data centres serve {s}?",
    ),
    "region": (
        "What is the region code for {s}?",
        "Which identifier selects {s} in API calls?",
        "How is {s} written in configuration files and API requests?",
    ),
    "validity": (
        "How long is {s} valid?",
        "What is the lifetime of {s}?",
        "After how much time does {s} expire?",
    ),
    "version": (
        "What is the current version of {s}?",
        "Which version of {s} is the latest release?",
        "What version number does the newest release of {s} carry?",
    ),
    "response": (
        "What is the first-response time for {s}?",
        "How quickly does Acme support reply to {s}?",
        "Within what time are {s} answered?",
    ),
    "uptime": (
        "What uptime does {s} guarantee?",
        "What is the monthly availability commitment of {s}?",
        "Which uptime percentage is promised under {s}?",
    ),
    "discount": (
        "What discount do {s} get?",
        "How big is the discount for {s}?",
        "By what percentage is the price reduced for {s}?",
    ),
    "command": (
        "Which tern command do you run to {s}?",
        "What is the tern CLI command that lets you {s}?",
        "How do I {s} with the tern command-line tool?",
    ),
    "event": (
        "Which webhook event is sent when {s}?",
        "What is the name of the webhook event that fires when {s}?",
        "If {s}, what event type will my webhook receive?",
    ),
    "name": (
        "What is the name of {s}?",
        "What does Acme call {s}?",
        "Which product name does Acme Cloud Storage use for {s}?",
    ),
}


def templated(key: str, kind: str, subject: str, old: str, new: str | None = None) -> Fact:
    """Build a fact whose three questions come from the templates of `kind`."""
    first, second, third = (template.format(s=subject) for template in KINDS[kind])
    return Fact(key, (first, second, third), old, new)


def custom(key: str, q1: str, q2: str, q3: str, old: str, new: str | None = None) -> Fact:
    """Build a fact with three hand-written question phrasings."""
    return Fact(key, (q1, q2, q3), old, new)


def page(title: str, template: str, *facts: Fact) -> Doc:
    """Build a document."""
    return Doc(title, template, facts)


# ------------------------------------------------------------------ documents

DOCS: list[Doc] = [
    page(
        "Pebble plan (free tier)",
        """
        Pebble is the free entry point to Acme Cloud Storage. It is meant for individuals
        who want to try syncing a handful of folders before committing to a paid
        subscription, and it never asks for a payment card.

        Every Pebble account includes {storage} of storage. Files uploaded from a Pebble
        account may be at most {maxfile} each; larger files are rejected before the
        transfer begins. A Pebble account can be linked to at most {devices} at the same
        time, counting desktop, mobile and command-line sessions together.

        Pebble accounts that have not signed in for {dormant} are marked dormant and
        receive a reminder email. Upgrading from Pebble keeps all existing files, links
        and folders exactly where they were.
        """,
        templated("storage", "storage", "the free Pebble plan", "6.5 GB", "7.9 GB"),
        templated("maxfile", "maxfile", "on the free Pebble plan", "310 MB", "480 MB"),
        custom(
            "devices",
            "How many devices can be linked to a Pebble account at the same time?",
            "What is the device limit on Acme's free Pebble plan?",
            "On Pebble, how many computers, phones and CLI sessions may be connected at once?",
            "3 devices",
            "5 devices",
        ),
        custom(
            "dormant",
            "After how long without a sign-in is a Pebble account marked dormant?",
            "How much inactivity does it take before Acme flags a free Pebble account as dormant?",
            "What period of inactivity turns a Pebble account dormant?",
            "270 days",
            "330 days",
        ),
    ),
    page(
        "Cove plan",
        """
        Cove is the personal paid plan, designed for freelancers and households that have
        outgrown Pebble. It adds version history, password-protected links and a priority
        sync queue on the desktop client.

        Cove costs {price} per month when billed monthly. The plan includes {storage} of
        storage for a single user, and each file you upload may be as large as {maxfile}.

        Up to {household} can share one Cove subscription through the household option,
        each with a separate private space carved out of the shared allowance. Household
        members cannot see each other's files unless they share them explicitly.

        Cove can be cancelled at any time from the billing page; the plan stays active
        until the end of the period that has already been paid for.
        """,
        templated("price", "price", "the Cove plan", "$7.35", "$8.15"),
        templated("storage", "storage", "the Cove plan", "640 GB", "870 GB"),
        templated("maxfile", "maxfile", "on the Cove plan", "22 GB", "35 GB"),
        custom(
            "household",
            "How many people can share a single Cove subscription through the household option?",
            "What is the maximum household size on one Cove subscription?",
            "Using Cove's household option, how many people can be on one subscription?",
            "6 people",
            "8 people",
        ),
    ),
    page(
        "Reef plan",
        """
        Reef is the team plan for small and medium businesses. It is billed per seat, and
        an organisation needs at least {minseats} to start a Reef subscription. Each seat
        costs {price} per month on monthly billing.

        Storage on Reef is pooled: every seat adds {storage} to a shared team allowance,
        so a team can distribute space however it likes. Individual files uploaded on Reef
        may be up to {maxfile}.

        Reef also unlocks the admin console, group management and the audit log, which are
        described on their own pages. A free trial is available once per organisation, with
        the full feature set and no payment details required up front.
        """,
        custom(
            "minseats",
            "How many seats does an organisation need at minimum to start a Reef subscription?",
            "What is the minimum seat count for the Reef plan?",
            "What's the smallest number of seats Acme will sell on Reef?",
            "3 seats",
            "4 seats",
        ),
        templated("price", "price", "a seat on the Reef plan", "$13.90", "$15.45"),
        templated("storage", "storage", "each Reef seat", "1.75 TB", "2.4 TB"),
        templated("maxfile", "maxfile", "on the Reef plan", "73 GB", "96 GB"),
    ),
    page(
        "Atoll plan (enterprise)",
        """
        Atoll is the enterprise offering for organisations that need contractual
        guarantees, dedicated support and advanced compliance controls. Pricing is
        negotiated, but the published starting price is {price} per seat per month on a
        three-year term.

        An Atoll contract requires a minimum of {minseats}. Storage on Atoll is unlimited
        in principle, although a fair-use review begins when an organisation passes
        {fairuse} per seat on average.

        Atoll customers are assigned a named customer success manager and may choose any
        region for data residency. Contracts renew automatically unless either party gives
        notice {notice} before the renewal date.
        """,
        templated("price", "price", "a seat on the Atoll plan", "$24.60", "$27.80"),
        custom(
            "minseats",
            "What is the minimum number of seats for an Atoll contract?",
            "How many seats must an organisation buy at least to sign an Atoll contract?",
            "What's the smallest Atoll deployment Acme will sign, in seats?",
            "75 seats",
            "60 seats",
        ),
        custom(
            "fairuse",
            "At what average storage per seat does the Atoll fair-use review begin?",
            "How much storage per seat can an Atoll customer use on average before a "
            "fair-use review is triggered?",
            "What per-seat storage threshold triggers Acme's fair-use review on Atoll?",
            "11 TB",
            "14 TB",
        ),
        custom(
            "notice",
            "How much notice is needed to stop an Atoll contract from renewing automatically?",
            "How far ahead of the renewal date must notice be given to end an Atoll contract?",
            "What notice period applies to Atoll contract renewals?",
            "65 days",
            "80 days",
        ),
    ),
    page(
        "Annual billing",
        """
        Every paid plan can be billed monthly or annually. Annual billing is charged up
        front for twelve months and is the cheapest way to run Acme Cloud Storage for a
        stable team.

        Choosing annual billing lowers the price by {discount} compared with paying month
        to month. Switching from monthly to annual takes effect at the start of the next
        cycle, not immediately. If you downgrade in the middle of an annual term, Acme
        issues a prorated credit rather than a cash refund, and such credits expire after
        {creditexpiry}.

        Annual invoices are sent {reminder} before the renewal charge so that finance
        teams have time to update purchase orders.
        """,
        custom(
            "discount",
            "How much cheaper is annual billing than monthly billing at Acme?",
            "What discount do you get for paying for an Acme plan annually?",
            "By what percentage does switching to annual billing lower the price?",
            "17.5%",
            "21.5%",
        ),
        custom(
            "creditexpiry",
            "How long do prorated credits from a mid-term annual downgrade stay valid?",
            "After what period do Acme's prorated downgrade credits expire?",
            "If I downgrade partway through an annual term, how long can I use the resulting "
            "credit?",
            "18 months",
            "27 months",
        ),
        custom(
            "reminder",
            "How far in advance of the renewal charge are annual invoices sent?",
            "How many days before renewal does Acme send the annual invoice?",
            "When is the annual invoice emailed, relative to the renewal charge?",
            "23 days",
            "31 days",
        ),
    ),
    page(
        "Billing cycles and invoices",
        """
        Monthly subscriptions renew on the calendar day of the original purchase. Invoices
        are generated as PDF files and stored in the billing area of the admin console for
        {invoicekeep}; older invoices can still be requested from support.

        If a card payment fails, Acme retries the charge automatically and the account
        enters a grace period of {grace}. During the grace period every feature keeps
        working. When it ends without payment, the account becomes read-only: files can be
        downloaded but not uploaded or edited.

        Invoices can be issued in US dollars, euros or yen; the currency is fixed at
        sign-up and can only be changed by support. Every invoice number starts with the
        prefix {prefix}, followed by the organisation number and a sequence number.
        """,
        custom(
            "invoicekeep",
            "How long are invoices kept in the billing area of the Acme admin console?",
            "For how many years can PDF invoices be downloaded from the admin console?",
            "What is the retention period of invoices in the admin console's billing area?",
            "9 years",
            "12 years",
        ),
        custom(
            "grace",
            "How long is the grace period after a failed card payment?",
            "After a subscription payment fails, for how long does the account keep working "
            "normally?",
            "What grace period does Acme give when a card charge for a subscription fails?",
            "12 days",
            "14 days",
        ),
        custom(
            "prefix",
            "What prefix do Acme Cloud Storage invoice numbers start with?",
            "Which prefix appears at the beginning of every Acme invoice number?",
            "How does every Acme invoice number begin?",
            "KXV-",
            "TRB-",
        ),
    ),
    page(
        "Refunds and payment methods",
        """
        Acme accepts the major credit cards, SEPA direct debit in the euro area, and bank
        transfer for annual contracts worth at least {banktransfer}. Prepaid cards are not
        accepted, and neither are cheques.

        New subscribers can request a full refund within {refund} of their first payment,
        no questions asked. Refund requests after that window are reviewed case by case
        and are usually answered with account credit instead of money.

        Payments by SEPA direct debit are collected {sepa} after the invoice date, and the
        mandate can be cancelled from the billing page at any time.

        Refunds always go back to the original payment method. Card refunds generally
        appear on a statement within a few business days, depending on the bank that
        issued the card. Sales tax is calculated from the billing address entered at
        checkout, so keep that address up to date.
        """,
        custom(
            "banktransfer",
            "What is the minimum annual contract value for paying Acme by bank transfer?",
            "Above what contract value can an annual Acme plan be paid by bank transfer?",
            "How large must an annual contract be before Acme accepts a bank transfer?",
            "$4,800",
            "$6,250",
        ),
        custom(
            "refund",
            "How long do new subscribers have to request a full refund?",
            "Within what period after the first payment can a new customer get all their "
            "money back?",
            "What is Acme's no-questions-asked refund window for new subscribers?",
            "21 days",
            "28 days",
        ),
        custom(
            "sepa",
            "How long after the invoice date is a SEPA direct debit collected?",
            "When does Acme take a SEPA direct debit payment, relative to the invoice date?",
            "How many banking days pass between an Acme invoice and the SEPA debit?",
            "6 banking days",
            "8 banking days",
        ),
    ),
    page(
        "Storage add-ons (Tide packs)",
        """
        Teams that need more space without adding seats can buy storage add-ons, which are
        sold in blocks called Tide packs. Packs are pooled with the rest of the plan's
        storage and can be added or removed from the billing page at any time.

        One Tide pack adds {packsize} of storage and costs {packprice} per month. A single
        organisation may hold at most {maxpacks} at a time; beyond that, Acme recommends
        moving to Atoll. Tide packs are available on Cove and Reef but not on Pebble.

        Removing a pack only takes effect once the used storage fits inside the remaining
        allowance, so clean up large folders first. Packs bought on annual billing are
        charged for the rest of the term.
        """,
        templated("packsize", "storage", "one Tide pack add-on", "375 GB", "440 GB"),
        templated("packprice", "price", "one Tide pack storage add-on", "$4.15", "$5.05"),
        custom(
            "maxpacks",
            "How many Tide packs can a single organisation hold at once?",
            "What is the maximum number of Tide storage packs per organisation?",
            "What's the cap on Tide pack add-ons for one organisation?",
            "14 packs",
            "20 packs",
        ),
    ),
    page(
        "Uploading in the web app",
        """
        The web app supports drag-and-drop uploads of single files and whole folders in any
        modern browser. Uploads continue in the background while you browse other folders,
        and a progress panel lists each transfer.

        Regardless of plan, the browser uploader accepts files up to {webmax}; larger files
        must be uploaded with the desktop client or the tern CLI, which use resumable
        transfers. The web app runs at most {parallel} at a time and queues the rest.

        Folder uploads in the browser are limited to {folderfiles} per drop. If a drop
        contains more, the uploader asks you to split it into smaller batches. Closing the
        browser tab cancels every transfer that has not finished yet.
        """,
        templated(
            "webmax", "maxfile", "through the web app's browser uploader", "4.6 GB", "7.2 GB"
        ),
        custom(
            "parallel",
            "How many uploads does the Acme web app run in parallel?",
            "What is the maximum number of simultaneous uploads in the browser?",
            "How many files does the web uploader transfer at the same time before it "
            "starts queuing?",
            "6 uploads",
            "9 uploads",
        ),
        custom(
            "folderfiles",
            "How many files can a single folder drop in the web app contain?",
            "What is the limit on files per folder upload in the browser?",
            "If I drag a folder into the Acme web app, how many files may it contain at most?",
            "2,500 files",
            "4,000 files",
        ),
    ),
    page(
        "Resumable uploads",
        """
        Large uploads through the API use resumable sessions. A client opens a session,
        sends the file in chunks, and commits the session once the final chunk has
        arrived. Chunks may be sent in any order and retried freely.

        Sessions are opened with a POST request to {openpath}. The response contains a
        session identifier that must accompany every chunk. Each chunk must be exactly
        {chunksize}, except for the last one, which may be smaller. A session can hold at
        most {maxchunks}.

        An open upload session stays valid for {lifetime}; after that, uploaded chunks are
        discarded and the client has to start again. The desktop client and the tern CLI
        use the same mechanism internally.
        """,
        templated(
            "openpath",
            "endpoint",
            "open a resumable upload session",
            "/v3/uploads/sessions",
            "/v3/uploads/resumable",
        ),
        custom(
            "chunksize",
            "What chunk size do resumable API upload sessions require?",
            "How big must each chunk of an Acme resumable upload be, apart from the last one?",
            "When uploading in chunks through the API, what size should every chunk except "
            "the final one have?",
            "12 MB",
            "16 MB",
        ),
        custom(
            "maxchunks",
            "How many chunks can one resumable upload session contain?",
            "What is the maximum chunk count per resumable upload session?",
            "Into how many chunks at most may a single resumable upload be split?",
            "9,800 chunks",
            "11,200 chunks",
        ),
        templated("lifetime", "validity", "a resumable upload session", "36 hours", "52 hours"),
    ),
    page(
        "API rate limits",
        """
        The Acme REST API applies rate limits per access token. The limits depend on the
        plan of the organisation that owns the token.

        Tokens that belong to Pebble accounts may send {pebble}. Cove tokens get {cove},
        and Reef tokens get {reef}. Atoll limits are written into each contract.

        When a limit is exceeded, the API answers with HTTP 429 and a Retry-After header.
        Short bursts are tolerated: a token may briefly exceed its limit by up to {burst}
        before throttling applies. Well-behaved clients should back off exponentially
        rather than retry immediately, and should spread scheduled jobs instead of starting
        them all on the hour.
        """,
        templated(
            "pebble",
            "rate",
            "the Acme API with a Pebble account token",
            "45 requests per minute",
            "70 requests per minute",
        ),
        templated(
            "cove",
            "rate",
            "the Acme API with a Cove token",
            "160 requests per minute",
            "235 requests per minute",
        ),
        templated(
            "reef",
            "rate",
            "the Acme API with a Reef token",
            "540 requests per minute",
            "720 requests per minute",
        ),
        custom(
            "burst",
            "By how much may a token briefly exceed its API rate limit before throttling applies?",
            "How large a burst above the rate limit does the Acme API tolerate?",
            "What burst allowance does the Acme API give on top of the per-token limit?",
            "35 percent",
            "45 percent",
        ),
    ),
    page(
        "Authentication and access tokens",
        """
        API clients authenticate with OAuth 2.0. After the authorisation step, a client
        receives an access token and a refresh token, both of which should be stored
        securely.

        Access tokens are valid for {access}. Refresh tokens last {refresh} and are rotated
        every time they are used, so a stolen refresh token stops working as soon as the
        legitimate client refreshes. Tokens are sent in the standard Authorization header
        with the Bearer scheme.

        Personal access tokens, created from account settings for scripts and the tern
        CLI, begin with the prefix {patprefix} so that secret scanners can recognise them.
        A single user may hold at most {maxpat} of this kind at any time.
        """,
        templated("access", "validity", "an Acme API access token", "75 minutes", "95 minutes"),
        templated("refresh", "validity", "an Acme API refresh token", "41 days", "56 days"),
        custom(
            "patprefix",
            "What prefix do Acme personal access tokens start with?",
            "How can a secret scanner recognise an Acme personal access token from its first "
            "characters?",
            "Which string is at the start of every Acme personal access token?",
            "acmp_",
            "acpat_",
        ),
        custom(
            "maxpat",
            "How many personal access tokens can one Acme user have?",
            "What is the maximum number of personal access tokens per user?",
            "What is the per-user cap on personal access tokens?",
            "25 tokens",
            "40 tokens",
        ),
    ),
    page(
        "API versions",
        """
        The Acme REST API is versioned by a number at the start of each path, and all
        requests go to the host api.acmecloud.example. Version 3, the current major
        version, was released on {v3date}.

        A new major version is published only when a breaking change is unavoidable.
        Older major versions stay available for at least {overlap} after their successor
        ships, and responses from deprecated versions carry a Sunset header with the exact
        shutdown date.

        Minor, non-breaking additions are announced in the API changelog. Clients can pin
        behaviour within a major version by sending the {pinheader} header with a date;
        without it, the newest behaviour of the major version applies.
        """,
        templated("v3date", "released", "version 3 of the Acme REST API", "October 17, 2022"),
        custom(
            "overlap",
            "How long do older major API versions stay available after a successor ships?",
            "What is the minimum overlap period between two major Acme API versions?",
            "After a new major API version is published, how long at least does the previous "
            "one keep working?",
            "15 months",
            "20 months",
        ),
        custom(
            "pinheader",
            "Which header pins Acme API behaviour to a specific date within a major version?",
            "What is the name of the request header used to pin API behaviour by date?",
            "To lock my client to the API behaviour of a given date, which header should I send?",
            "Acme-Api-Pin",
            "Acme-Behaviour-Date",
        ),
    ),
    page(
        "Endpoint reference: vault keys",
        """
        Vaults are encrypted containers for sensitive folders, described in detail on the
        client-side vaults page. Administrators manage vault keys through a small group of
        endpoints.

        To rotate a vault's key, send a POST request to {rotate}. The call re-wraps the
        file keys with a new vault key in the background and returns a job identifier.
        Rotation jobs for large vaults can take a while, and progress is reported on the
        job endpoint.

        To list the key history of a vault, call GET {history}. A vault can be rotated at
        most {maxrot} per day; further calls fail until midnight UTC. Rotation never
        changes the recovery code of a vault.
        """,
        templated(
            "rotate",
            "endpoint",
            "rotate a vault's encryption key",
            "/v3/vaults/rotate",
            "/v3/vaults/key-rotations",
        ),
        templated(
            "history",
            "endpoint",
            "list the key history of a vault",
            "/v3/vaults/keys/history",
            "/v3/vaults/key-log",
        ),
        custom(
            "maxrot",
            "How many times per day can a vault's key be rotated?",
            "What is the daily limit on vault key rotations?",
            "How many vault key rotations are allowed in a single day?",
            "6 times",
            "10 times",
        ),
    ),
    page(
        "Endpoint reference: share links",
        """
        Share links can be created and managed through the API as well as in the apps. The
        endpoints respect the organisation's sharing policy, so a call may be refused if an
        administrator has disabled external sharing.

        Create a link with POST {create}, passing the file or folder identifier and
        optional settings such as a password and an expiry date. A link is revoked with
        POST {revoke}; revoked links stop working within {propagation} worldwide, a delay
        caused by edge caching.

        The response to a create call includes the public URL, which always begins with
        {urlprefix} followed by a random token. Tokens are long enough that links cannot be
        guessed.
        """,
        templated("create", "endpoint", "create a share link", "/v3/links/create", "/v3/links/new"),
        templated(
            "revoke", "endpoint", "revoke a share link", "/v3/links/revoke", "/v3/links/disable"
        ),
        custom(
            "propagation",
            "How quickly does a revoked share link stop working everywhere?",
            "Within what time does revoking an Acme share link take effect worldwide?",
            "After a share link is revoked, for how long can edge caches still serve it?",
            "90 seconds",
            "50 seconds",
        ),
        custom(
            "urlprefix",
            "What does every public Acme share link URL start with?",
            "What is the URL prefix of Acme Cloud Storage share links?",
            "Which domain and path begin every public share link created by Acme?",
            "https://drop.acmecloud.example/s/",
            "https://share.acmecloud.example/l/",
        ),
    ),
    page(
        "Endpoint reference: files",
        """
        The files endpoints cover metadata, downloads and moves. They operate on file
        identifiers rather than paths, so renaming a parent folder never breaks an
        integration.

        Metadata for a file is read with GET {meta}. Moving a file to another folder uses
        POST {move}, and the move is atomic within one organisation. To download content,
        request a short-lived download URL from {dl}; the returned URL expires after
        {dlexpiry}.

        Files are never deleted permanently through these endpoints. Deletion moves them
        to the trash, from which they can be restored until the trash retention period of
        the plan runs out.
        """,
        templated(
            "meta", "endpoint", "read a file's metadata", "/v3/files/meta", "/v3/files/details"
        ),
        templated(
            "move",
            "endpoint",
            "move a file to another folder",
            "/v3/files/relocate",
            "/v3/files/transfer",
        ),
        templated(
            "dl",
            "endpoint",
            "get a temporary download URL for a file",
            "/v3/files/download-url",
            "/v3/files/fetch-link",
        ),
        templated(
            "dlexpiry",
            "validity",
            "a temporary download URL from the files API",
            "14 minutes",
            "22 minutes",
        ),
    ),
    page(
        "Pagination",
        """
        List endpoints return results in pages. Each response carries a cursor that the
        client passes back to fetch the next page; numeric offsets are not supported.

        If the client does not specify a page size, the API returns {default} per page. The
        largest page size a client may request is {max}. Cursors remain usable for
        {cursorlife} after they are issued, which is enough for most sync jobs but not for
        long-running exports that pause overnight.

        Results within a page are ordered by modification time, newest first, unless the
        endpoint documents a different order. An empty page with no cursor means that the
        listing is complete.
        """,
        custom(
            "default",
            "What is the default page size of Acme API list endpoints?",
            "How many items does a list endpoint return per page if I don't set a page size?",
            "Without an explicit page size, how many results come back in each page?",
            "40 items",
            "60 items",
        ),
        custom(
            "max",
            "What is the largest page size a client may request from the Acme API?",
            "How many items can one page of API results contain at most?",
            "What is the maximum page size for list endpoints?",
            "850 items",
            "1,250 items",
        ),
        templated("cursorlife", "validity", "a pagination cursor", "11 hours", "18 hours"),
    ),
    page(
        "Error codes: authentication",
        """
        Authentication errors use codes in the ACS-10xx range. They come with HTTP status
        401 or 403 and always include a human-readable message in the response body.

        ACS-1007 means an {m1}: the client must obtain a new one with its refresh token.
        ACS-1013 indicates a {m2}, which usually happens when an administrator has narrowed
        the app's permissions after it was installed. ACS-1042 is returned for a
        {m3}; such an account must be re-enabled by an administrator before any request can
        succeed.

        Clients should not retry authentication errors automatically. The only exception
        is ACS-1007, which may be retried once after a successful refresh.
        """,
        templated("m1", "meaning", "ACS-1007", "expired access token"),
        templated("m2", "meaning", "ACS-1013", "missing OAuth scope"),
        templated("m3", "meaning", "ACS-1042", "suspended user account"),
    ),
    page(
        "Error codes: storage and quota",
        """
        Storage errors use codes in the ACS-2xxx range and are returned with HTTP status
        409, 413 or 422 depending on the situation.

        When an upload would push the organisation over its storage allowance, the API
        responds with {c1}. If a file name contains characters that are not allowed, such
        as a trailing space or a colon, the error is {c2}. A mismatch between the uploaded
        chunks and the declared file checksum produces {c3}.

        Another code, {c4}, appears when a file is locked for editing by another user;
        the lock is released automatically when that user closes the file. Every error
        body includes a request identifier that support will ask for.
        """,
        templated(
            "c1",
            "errcode",
            "an upload would exceed the organisation's storage allowance",
            "ACS-2214",
            "ACS-2260",
        ),
        templated(
            "c2",
            "errcode",
            "a file name contains characters that are not allowed",
            "ACS-2307",
            "ACS-2390",
        ),
        templated(
            "c3",
            "errcode",
            "the uploaded chunks don't match the declared file checksum",
            "ACS-2451",
            "ACS-2475",
        ),
        templated(
            "c4", "errcode", "a file is locked for editing by another user", "ACS-2588", "ACS-2536"
        ),
    ),
    page(
        "Error codes: sharing",
        """
        Sharing errors use codes in the ACS-31xx range. They are returned both by the
        sharing endpoints and by public link pages, where they are shown as a friendly
        message with the code underneath.

        ACS-3105 is the {m1} error: an administrator has turned off sharing outside the
        organisation, and only an administrator can change that. ACS-3160 is the {m2}
        error; the visitor is asked to type the link's password before the content loads.
        ACS-3177 is shown when the link's {m3} has been reached and it will not serve any
        more files.

        Link owners receive an email the first time one of their links hits ACS-3177, so
        that they can raise the limit or create a new link.
        """,
        templated("m1", "meaning", "ACS-3105", "external sharing disabled"),
        templated("m2", "meaning", "ACS-3160", "password required"),
        templated("m3", "meaning", "ACS-3177", "download limit"),
    ),
    page(
        "Error codes: desktop sync",
        """
        The desktop client reports local problems with codes in the ACS-5xxx range. They
        appear in the activity panel and in the client log, and they never leave the
        computer unless you send a diagnostic report.

        If the local disk is full, the client pauses and shows {c1}. A path longer than
        Windows allows produces {c2}; shorten folder names or enable long path support in
        Windows. When the local sync database is corrupted, the client reports {c3} and
        offers to rebuild the database from the cloud.

        Rebuilding does not delete or re-upload files; it compares checksums and only
        transfers what differs.
        """,
        templated(
            "c1", "errcode", "the desktop client finds the local disk full", "ACS-5030", "ACS-5084"
        ),
        templated(
            "c2",
            "errcode",
            "the desktop client meets a path longer than Windows allows",
            "ACS-5112",
            "ACS-5139",
        ),
        templated(
            "c3",
            "errcode",
            "the desktop client's local sync database is corrupted",
            "ACS-5247",
            "ACS-5263",
        ),
    ),
    page(
        "Regions overview",
        """
        Acme Cloud Storage keeps customer data in named regions. Each region consists of at
        least two data centres in the same metropolitan area, far enough apart to survive a
        local power failure.

        The Larkspur region is located in {larkcity} and is identified in the API as
        {larkcode}. The Juniper region serves Asia-Pacific customers from {junicity}, with
        the region code {junicode}.

        New organisations are placed in the region closest to their billing address unless
        an administrator picks another one during sign-up. Moving an existing organisation
        between regions is possible on Reef and Atoll and is handled by support.
        """,
        templated("larkcity", "city", "the Larkspur region", "Dublin"),
        templated("larkcode", "region", "the Larkspur region", "eu-lks-2", "eu-lks-4"),
        templated("junicity", "city", "the Juniper region", "Osaka"),
        templated("junicode", "region", "the Juniper region", "ap-jnp-1", "ap-jnp-3"),
    ),
    page(
        "Region: Saltmarsh",
        """
        Saltmarsh is the newest Acme region and the first one in Canada. It opened to all
        customers on {launch}, after a private preview limited to Atoll organisations.

        The Saltmarsh data centres are in {city}, and its API identifier is {code}.
        Saltmarsh supports every feature available in the other regions except Cold Shelf
        archive storage, which is planned but not yet scheduled.

        Organisations that need Canadian data residency should choose Saltmarsh at
        sign-up, because moving later requires a support-led migration window of
        {migration} during which sharing is paused.
        """,
        custom(
            "launch",
            "When did the Saltmarsh region open to all customers?",
            "What was the general availability date of Acme's Saltmarsh region?",
            "On which date did Saltmarsh become available outside the private preview?",
            "August 22, 2023",
        ),
        templated("city", "city", "the Saltmarsh region", "Halifax"),
        templated("code", "region", "the Saltmarsh region", "ca-slm-1", "ca-slm-5"),
        custom(
            "migration",
            "How long is the migration window for moving an existing organisation to Saltmarsh?",
            "What support-led migration window applies when an organisation moves into the "
            "Saltmarsh region later?",
            "If we switch to Saltmarsh after sign-up, how long will sharing be paused for the "
            "migration?",
            "9 business days",
            "7 business days",
        ),
    ),
    page(
        "Data residency",
        """
        Data residency controls guarantee that file content and metadata stay inside a
        chosen region. The feature is included in Atoll and can be added to Reef for an
        extra {price} per seat per month.

        Residency covers file content, previews, search indexes and backups. Once it is
        switched on, existing data is moved into the chosen region in the background, and
        the move is complete within {apply} for most organisations.

        Compliance with the residency promise is checked every year by the independent
        auditor {auditor}, whose letter is available on request. Audit logs are the one
        exception to residency: a copy is kept in a second region for tamper resistance.
        """,
        templated("price", "price", "the data residency add-on for a Reef seat", "$2.85", "$3.40"),
        custom(
            "apply",
            "After data residency is switched on, how long does it take to move existing "
            "data into the chosen region?",
            "Within what time is an organisation's data relocated once residency is enabled?",
            "How quickly does Acme finish moving data after a data residency setting is turned on?",
            "40 hours",
            "28 hours",
        ),
        custom(
            "auditor",
            "Which firm audits Acme's data residency controls?",
            "Who is the independent auditor that checks Acme's data residency every year?",
            "What is the name of the auditor behind Acme's yearly data residency review?",
            "Halvorsen & Pike",
            "Marrow Assurance",
        ),
    ),
    page(
        "Trash and deleted files",
        """
        Deleting a file moves it to the trash, where it stays until the retention period of
        the organisation's plan runs out. Files in the trash do not count towards storage
        usage, and they can be restored to their original folder with one click.

        On Pebble, deleted files are kept for {pebble}. Cove keeps them for {cove}, and
        Reef for {reef}. Atoll organisations can configure any trash retention period up to
        {atoll}.

        When the period ends, files are purged permanently and cannot be recovered, not
        even by support. Administrators can empty the trash early; doing so is recorded in
        the audit log together with the number of files removed.
        """,
        templated("pebble", "retention", "deleted files on the Pebble plan", "13 days", "17 days"),
        templated("cove", "retention", "deleted files on the Cove plan", "47 days", "62 days"),
        templated("reef", "retention", "deleted files on the Reef plan", "115 days", "155 days"),
        custom(
            "atoll",
            "What is the longest trash retention period an Atoll organisation can configure?",
            "Up to how many days can Atoll customers keep deleted files in the trash?",
            "What is the maximum configurable trash retention on the Atoll plan?",
            "1,095 days",
            "1,320 days",
        ),
    ),
    page(
        "Version history",
        """
        Acme Cloud Storage keeps earlier versions of files so that accidental edits can be
        undone. A new version is created whenever a changed file finishes syncing.

        On Cove, version history covers {cove}. Reef extends this to {reef}. Independently
        of age, a single file keeps at most {maxver}; when that limit is reached, the
        oldest version is dropped first.

        Restoring a version creates a new version instead of deleting the later ones, so a
        restore can itself be undone. Pebble accounts do not have version history at all,
        which is one of the most common reasons people upgrade.
        """,
        templated("cove", "retention", "file versions on the Cove plan", "33 days", "43 days"),
        templated("reef", "retention", "file versions on the Reef plan", "210 days", "285 days"),
        custom(
            "maxver",
            "How many versions of a single file does Acme keep at most?",
            "What is the per-file cap on stored versions?",
            "What is the maximum number of versions retained for one file, regardless of age?",
            "320 versions",
            "475 versions",
        ),
    ),
    page(
        "Legal hold",
        """
        Legal hold freezes selected users' files so that nothing can be permanently deleted
        while a legal matter is open. It is an Atoll feature managed from the compliance
        section of the admin console.

        A single hold can cover up to {maxusers}. Each hold must be reviewed every
        {review}; holds that are not reviewed in time trigger escalating reminders but are
        never released automatically.

        Files under hold stay visible and editable for their owners. Edits create versions
        that are kept for the lifetime of the hold, regardless of the normal version
        history limit. Only users with the {role} role can create or release a hold.
        """,
        custom(
            "maxusers",
            "How many users can one legal hold cover?",
            "What is the maximum number of users in a single legal hold?",
            "Up to how many people's files can be frozen by one legal hold?",
            "650 users",
            "900 users",
        ),
        custom(
            "review",
            "How often must a legal hold be reviewed?",
            "What is the review interval for legal holds?",
            "Within what period does each legal hold need a fresh review?",
            "120 days",
            "140 days",
        ),
        custom(
            "role",
            "Which admin role is needed to create or release a legal hold?",
            "What role must a user have to place a legal hold on someone's files?",
            "Which role name grants the right to create and release legal holds?",
            "Records Steward",
            "Compliance Warden",
        ),
    ),
    page(
        "Share links",
        """
        Share links let anyone with the URL view or download a file or folder without an
        Acme account. Links are created from the share dialog in every app and can be
        copied, emailed or turned into a QR code.

        By default a new link expires after {expiry}; owners can shorten or extend this in
        the dialog. Password protection is available on Cove and above, and link passwords
        must be at least {pwlen} long. Optionally, a link can stop working after a set
        number of downloads, up to a maximum of {maxdl}.

        Administrators on Reef and Atoll can disable links for the whole organisation or
        restrict them to signed-in users.
        """,
        custom(
            "expiry",
            "How long does a new Acme share link last by default?",
            "What is the default expiry of a share link?",
            "If I keep the default settings, after how long does a share link stop working?",
            "27 days",
            "34 days",
        ),
        custom(
            "pwlen",
            "What is the minimum length of a share link password?",
            "How many characters must a share link password have at least?",
            "How short can the password on an Acme share link be?",
            "11 characters",
            "14 characters",
        ),
        custom(
            "maxdl",
            "What is the highest download limit that can be set on a share link?",
            "Up to how many downloads can a share link be capped at?",
            "What is the maximum value for a share link's download limit?",
            "2,400 downloads",
            "3,600 downloads",
        ),
    ),
    page(
        "Shared folders",
        """
        Shared folders let several people work in the same folder tree. Each member sees
        the folder in their own file list, and changes sync to everyone.

        A shared folder on Cove can have at most {covemem}, while on Reef and Atoll the
        limit is {reefmem}. Shared folders can be nested, but no deeper than {depth} below
        the top-level shared folder.

        Removing a member stops sync to their devices immediately. Files that were already
        downloaded stay on those devices unless an administrator uses remote wipe. The
        owner of a shared folder can hand ownership to another member at any time.
        """,
        custom(
            "covemem",
            "How many members can a shared folder have on the Cove plan?",
            "What is the member limit for a shared folder on Cove?",
            "On Cove, what's the maximum number of people in one shared folder?",
            "18 members",
            "26 members",
        ),
        custom(
            "reefmem",
            "On Reef or Atoll, how many members can one shared folder have?",
            "What is the member limit for shared folders on the Reef and Atoll plans?",
            "What's the largest shared folder membership allowed on Reef?",
            "1,350 members",
            "1,800 members",
        ),
        custom(
            "depth",
            "How deeply can shared folders be nested?",
            "What is the maximum nesting depth for shared folders?",
            "How many levels below the top-level shared folder can nested shared folders go?",
            "7 levels",
            "9 levels",
        ),
    ),
    page(
        "Encryption at rest",
        """
        All file content stored by Acme Cloud Storage is encrypted at rest. Each file has
        its own data key, which is wrapped by a regional master key kept in hardware
        security modules.

        Regional master keys are rotated every {rotation}. Old master keys are kept only
        long enough to re-wrap the data keys they protect. Exporting a master key from the
        security modules requires the approval of {quorum} administrators, and every
        export attempt raises an alert with the security team.

        Atoll customers can bring their own key through a feature called {byok}, which
        keeps the master key in the customer's own key management service. Revoking that
        key makes the organisation's files unreadable until access is restored.
        """,
        custom(
            "rotation",
            "How often are Acme's regional master keys rotated?",
            "What is the rotation interval for regional master encryption keys?",
            "After how many days does Acme replace each regional master key?",
            "83 days",
            "61 days",
        ),
        custom(
            "quorum",
            "How many administrators must approve the export of a master key from Acme's "
            "hardware security modules?",
            "What approval quorum is needed to export a regional master key?",
            "Exporting a master key requires sign-off from how many administrators?",
            "4 of 7",
            "5 of 9",
        ),
        templated(
            "byok", "name", "the bring-your-own-key feature for Atoll", "Bramble", "Hearthkey"
        ),
    ),
    page(
        "Client-side vaults",
        """
        Vaults add client-side encryption for folders that even Acme staff must never be
        able to read. Files inside a vault are encrypted on the device before upload, and
        the vault key never leaves the user's devices in readable form.

        When a vault is created, its owner receives a recovery code of {codelen}. Losing
        both the recovery code and every device makes the vault unreadable, and support
        cannot help. A vault can hold at most {maxsize} of data, and each organisation may
        create up to {maxvaults}.

        Vaults cannot be shared through public links, and search does not index their
        contents. Previews are generated locally on the device instead of on Acme servers.
        """,
        custom(
            "codelen",
            "How long is the recovery code for a new vault?",
            "How many characters does a vault recovery code have?",
            "What is the length of the recovery code issued when a vault is created?",
            "28 characters",
            "32 characters",
        ),
        custom(
            "maxsize",
            "How much data can a single vault hold?",
            "What is the maximum size of one client-side vault?",
            "What's the storage cap on a single Acme vault?",
            "2.2 TB",
            "3.3 TB",
        ),
        custom(
            "maxvaults",
            "How many vaults can one organisation create?",
            "What is the maximum number of vaults per organisation?",
            "What is the organisation-wide limit on client-side vaults?",
            "45 vaults",
            "64 vaults",
        ),
    ),
    page(
        "Single sign-on (SAML)",
        """
        Organisations on Reef and Atoll can require employees to sign in through their
        identity provider using SAML 2.0. Single sign-on is configured under Security in
        the admin console and can be tested with a pilot group before it is enforced.

        Once single sign-on is enforced, sessions created through the identity provider
        last {session} before users must authenticate again. The assertion consumer
        service URL is {acsurl} followed by the organisation's slug.

        If the identity provider is unavailable, administrators can still sign in with a
        break-glass account. Each organisation can designate at most {breakglass} for this
        purpose, and every use of one is recorded in the audit log.
        """,
        custom(
            "session",
            "How long does an SSO session last before users must sign in again?",
            "After signing in through the identity provider, when do Acme users have to "
            "authenticate again?",
            "What is the single sign-on session length in Acme Cloud Storage?",
            "14 hours",
            "10 hours",
        ),
        custom(
            "acsurl",
            "What is the SAML assertion consumer service URL for Acme organisations?",
            "Which ACS URL should be entered in the identity provider for Acme Cloud Storage?",
            "Where does the identity provider post SAML assertions for Acme?",
            "https://login.acmecloud.example/saml/acs/",
            "https://id.acmecloud.example/sso/saml/",
        ),
        custom(
            "breakglass",
            "How many break-glass accounts can an organisation designate?",
            "What is the maximum number of break-glass accounts per organisation?",
            "Up to how many emergency accounts that bypass single sign-on can be set up?",
            "3 accounts",
            "5 accounts",
        ),
    ),
    page(
        "User provisioning with SCIM",
        """
        SCIM provisioning keeps Acme accounts in step with the identity provider. New
        employees get an account automatically, and people who leave are deactivated
        without manual work.

        The SCIM base URL is {url}. Acme does not poll; the identity provider pushes
        changes, and Acme applies them within {apply}. The files of a deactivated user are
        transferred to a manager chosen by the administrator after {transfer}, unless the
        account is reactivated first.

        SCIM requires a dedicated token, which only organisation owners can generate. The
        token does not expire, so rotate it whenever someone with access to it leaves.
        """,
        custom(
            "url",
            "What is the SCIM base URL for Acme Cloud Storage?",
            "Which base URL should the identity provider use for SCIM provisioning with Acme?",
            "Where do SCIM provisioning requests for Acme have to be sent?",
            "https://api.acmecloud.example/scim/v2/",
            "https://scim.acmecloud.example/v2/",
        ),
        custom(
            "apply",
            "How quickly does Acme apply SCIM changes pushed by the identity provider?",
            "Within what time are SCIM provisioning updates applied?",
            "After the identity provider pushes a change via SCIM, how long until Acme applies it?",
            "170 seconds",
            "100 seconds",
        ),
        custom(
            "transfer",
            "After how long are a deactivated user's files transferred to their manager?",
            "When a SCIM-deactivated user is not reactivated, how long until their files move "
            "to a manager?",
            "What waiting period applies before a deactivated user's files are handed over?",
            "16 days",
            "22 days",
        ),
    ),
    page(
        "Two-step verification",
        """
        Two-step verification protects accounts with a second factor in addition to the
        password. Acme supports authenticator apps, hardware security keys and push
        approval in the mobile app.

        When two-step verification is turned on, the account receives {backup}, each
        usable once. Push approvals must be confirmed within {push}; otherwise
        the sign-in attempt is denied.

        Administrators on Reef and Atoll can make two-step verification mandatory. Users
        then have {enrol} to enrol before they are locked out and need an administrator to
        unlock them. Hardware keys are the recommended factor for administrators
        themselves.
        """,
        custom(
            "backup",
            "How many backup codes does Acme issue when two-step verification is turned on?",
            "When I enable two-step verification, how many backup codes do I get?",
            "What number of one-time backup codes comes with two-step verification?",
            "12 backup codes",
            "16 backup codes",
        ),
        custom(
            "push",
            "How long do I have to confirm a two-step push approval?",
            "What is the time limit for approving a push sign-in request?",
            "Within how many seconds must a push approval be confirmed before the sign-in is "
            "denied?",
            "85 seconds",
            "55 seconds",
        ),
        custom(
            "enrol",
            "How long do users have to enrol after an admin makes two-step verification mandatory?",
            "What enrolment period applies when two-step verification is enforced?",
            "Once two-step verification becomes mandatory, how long until unenrolled users "
            "are locked out?",
            "58 hours",
            "66 hours",
        ),
    ),
    page(
        "Acme Sync desktop client",
        """
        Acme Sync is the desktop client for Windows, macOS and Linux. It keeps chosen
        folders on the computer in step with the cloud and shows sync status in the system
        tray or menu bar.

        The current release of Acme Sync is {version}. On macOS it requires {macos} or
        later, and on Windows it requires {windows} or later. Older systems can keep using
        the last compatible build but no longer receive updates.

        Acme Sync checks for updates every {updates} and installs them when the computer is
        idle, so most people never see an update prompt. Administrators can pin a version
        for their organisation from the admin console.
        """,
        templated(
            "version", "version", "the Acme Sync desktop client", "version 5.8.2", "version 6.1.0"
        ),
        custom(
            "macos",
            "What is the oldest macOS version Acme Sync supports?",
            "Which macOS release is the minimum for the Acme Sync desktop client?",
            "To run Acme Sync on a Mac, which macOS version do I need at least?",
            "macOS 12.4",
            "macOS 13.2",
        ),
        custom(
            "windows",
            "What is the minimum Windows build for Acme Sync?",
            "Which Windows version is required at least to run the Acme Sync desktop client?",
            "On Windows, what is the oldest build that can still install Acme Sync?",
            "Windows 10 build 19045",
            "Windows 11 build 22631",
        ),
        custom(
            "updates",
            "How often does Acme Sync check for updates?",
            "What is the update-check interval of the Acme Sync desktop client?",
            "At what interval does the desktop client look for new versions?",
            "7 hours",
            "5 hours",
        ),
    ),
    page(
        "LAN sync",
        """
        LAN sync lets Acme Sync clients on the same local network exchange file blocks
        directly instead of downloading them from the cloud again. It saves bandwidth in
        offices where many people share the same folders.

        Clients discover each other with broadcast packets on UDP {discovery} and
        transfer blocks over TCP {transfer}. Both ports must be allowed by local
        firewalls. Blocks are encrypted with a key derived from the shared folder, so only
        members of that folder can read them.

        A peer is used only if it answers within {latency}; slower peers are ignored and
        the cloud is used instead. LAN sync is on by default for Reef and Atoll and can be
        switched off by administrators.
        """,
        templated("discovery", "port", "LAN sync peer discovery", "port 17432", "port 17521"),
        templated("transfer", "port", "LAN sync block transfer", "port 17488", "port 17590"),
        custom(
            "latency",
            "How quickly must a LAN sync peer respond to be used?",
            "What response-time threshold do LAN sync peers have to meet?",
            "Peers slower than what are ignored by LAN sync?",
            "35 milliseconds",
            "25 milliseconds",
        ),
    ),
    page(
        "Selective sync and bandwidth",
        """
        Selective sync lets you choose which folders Acme Sync downloads to a computer.
        Folders that are not selected stay in the cloud and remain visible in the web app.

        By default Acme Sync limits uploads to {upcap} so that video calls are not
        disturbed; downloads are not throttled. The limit can be changed or removed in the
        Network tab of the settings window.

        Files larger than {ondemand} are always synced on demand instead of being
        downloaded automatically, to protect laptop disks. They appear with a cloud icon
        and download the first time they are opened.

        Acme Sync normally reacts to file system notifications. Where those are unavailable,
        such as on some network drives, it rescans selected folders every {rescan} instead.
        Temporary files, such as office lock files, are never uploaded.
        """,
        custom(
            "upcap",
            "What is Acme Sync's default upload speed limit?",
            "By default, how fast may the desktop client upload?",
            "What upload bandwidth cap does Acme Sync apply out of the box?",
            "3.75 MB/s",
            "5.5 MB/s",
        ),
        custom(
            "ondemand",
            "Above what size are files always synced on demand by Acme Sync?",
            "What file size makes the desktop client switch to on-demand sync automatically?",
            "Files bigger than what are never downloaded automatically by Acme Sync?",
            "1.8 GB",
            "2.6 GB",
        ),
        custom(
            "rescan",
            "How often does Acme Sync rescan folders when file system notifications are "
            "unavailable?",
            "Without file system notifications, at what interval does the desktop client look "
            "for local changes?",
            "What is the fallback rescan interval of Acme Sync, for example on network drives?",
            "4.5 minutes",
            "3.5 minutes",
        ),
    ),
    page(
        "Acme Sync release history",
        """
        This page lists the major releases of the Acme Sync desktop client. Each major
        version has an internal codename taken from a shore bird, a tradition started by
        the first sync team.

        Version 4.0, codenamed {c4}, was released on {d4} and introduced the rewritten sync
        engine that all later versions build on.

        Version 5.0, codenamed {c5}, followed on {d5}. It brought on-demand files, LAN sync
        and a redesigned activity panel, and it dropped support for 32-bit systems.

        Point releases between major versions ship roughly every six weeks and are listed
        in the in-app changelog rather than on this page.
        """,
        templated("c4", "codename", "version 4.0 of Acme Sync", "Dunlin"),
        templated("d4", "released", "version 4.0 of Acme Sync", "June 14, 2021"),
        templated("c5", "codename", "version 5.0 of Acme Sync", "Turnstone"),
        templated("d5", "released", "version 5.0 of Acme Sync", "March 9, 2023"),
    ),
    page(
        "The tern CLI",
        """
        tern is the Acme command-line tool for scripting uploads, downloads and admin
        tasks. It ships as a single binary for Linux, macOS and Windows and needs no
        runtime.

        The current tern release is {version}. On Linux and macOS, tern reads its settings
        from {config}; on Windows the file lives in the roaming application data folder.
        By default tern runs {parallel} in parallel, and the --jobs flag changes this.

        tern authenticates with a personal access token kept in the operating system's
        keychain. Output is human-readable by default and switches to JSON with the --json
        flag, which is the recommended mode for scripts.
        """,
        templated("version", "version", "the tern CLI", "version 2.19.4", "version 2.23.0"),
        custom(
            "config",
            "Where does the tern CLI keep its configuration file on Linux and macOS?",
            "What is the path of tern's config file on Linux or macOS?",
            "Which file holds tern's settings on Linux and macOS?",
            "~/.config/tern/ternrc.toml",
            "~/.tern/settings.toml",
        ),
        custom(
            "parallel",
            "How many transfers does tern run in parallel by default?",
            "What is tern's default number of parallel transfers?",
            "Without the --jobs flag, how many concurrent transfers does the tern CLI use?",
            "6 transfers",
            "10 transfers",
        ),
    ),
    page(
        "tern command reference",
        """
        This page covers the tern commands people ask about most often. Every command
        prints help with the --help flag, and most accept a path or a file identifier.

        To see what is in the trash, run {trash}. Share links are created with {link},
        which prints the public URL and copies it to the clipboard when a desktop session
        is available. The storage used by your account or organisation is shown by
        {quota}.

        To compare local files with the cloud and report any differences in content, run
        {verify}. It only reads data and never changes files, so it is safe to run on
        production machines and in scheduled jobs.
        """,
        templated(
            "trash", "command", "list the files in the trash", "tern trash ls", "tern bin list"
        ),
        templated(
            "link",
            "command",
            "create a share link for a file",
            "tern link mint",
            "tern share create",
        ),
        templated(
            "quota",
            "command",
            "show the current storage usage",
            "tern quota show",
            "tern usage report",
        ),
        templated(
            "verify",
            "command",
            "check local files against the cloud for differences",
            "tern verify --deep",
            "tern compare --content",
        ),
    ),
    page(
        "iOS app",
        """
        The Acme app for iPhone and iPad gives access to all files and can upload photos
        automatically. It integrates with the Files app on the device and can lock the file
        list behind Face ID.

        The app requires {ios} or later. Camera upload sends new photos and videos in the
        background; on cellular data, videos longer than {video} wait for Wi-Fi unless you
        change the setting.

        Files marked for offline use are limited to {offline} in total on iOS because of
        system storage rules. When the limit is reached, the app asks which offline files
        to release before adding new ones.
        """,
        custom(
            "ios",
            "What is the minimum iOS version for the Acme app?",
            "Which iOS release must an iPhone run at least to install the Acme app?",
            "How old can iOS be and still run Acme's iPhone app?",
            "iOS 16.3",
            "iOS 17.1",
        ),
        custom(
            "video",
            "On cellular data, which videos does the Acme iOS camera upload hold back for Wi-Fi?",
            "Over cellular, videos longer than what wait for Wi-Fi in the Acme iPhone app?",
            "What video length makes the Acme iOS app postpone camera upload until Wi-Fi is "
            "available?",
            "8 minutes",
            "12 minutes",
        ),
        custom(
            "offline",
            "How much data can be marked for offline use in the Acme iOS app?",
            "What is the offline files limit in the Acme app for iPhone and iPad?",
            "On an iPad, how much Acme data can be kept available offline?",
            "48 GB",
            "64 GB",
        ),
    ),
    page(
        "Android app",
        """
        The Acme app for Android phones and tablets offers the same file browser as the web
        app, together with home screen widgets and automatic camera upload.

        The app requires {android} or later. Files marked for offline use are limited to
        {offline} in total; the app can store them on an SD card if the device has one.

        When you share files from another app into Acme, up to {batch} can be sent in one
        share action. Larger selections should be uploaded from a computer or split into
        several batches. The app follows the system dark mode setting and supports
        Android's work profiles for managed devices.
        """,
        custom(
            "android",
            "What is the minimum Android version for the Acme app?",
            "Which Android release is required at least to install the Acme app?",
            "How old can Android be and still run Acme's Android app?",
            "Android 11",
            "Android 12",
        ),
        custom(
            "offline",
            "How much data can be marked for offline use in the Acme Android app?",
            "What is the offline files limit in the Acme app for Android?",
            "On an Android phone, how much Acme data can be kept available offline?",
            "32 GB",
            "36 GB",
        ),
        custom(
            "batch",
            "How many files can be sent to the Acme Android app in one share action?",
            "What is the maximum number of files per share action into the Android app?",
            "When sharing from another Android app into Acme, how many files can I send at once?",
            "250 files",
            "400 files",
        ),
    ),
    page(
        "Webhooks",
        """
        Webhooks notify your own service when something changes in an organisation. They
        are configured in the admin console or through the API, and each one can subscribe
        to a subset of event types.

        An organisation can register up to {maxhooks}. Each delivery is an HTTPS POST
        signed with HMAC, and the signature is sent in the {sigheader} header. Your
        endpoint must respond within {timeout}, otherwise the delivery counts as failed.

        Failed deliveries are retried with exponential backoff, up to {retries}. After
        that the event is dropped and the webhook is flagged in the console so that an
        administrator can investigate.
        """,
        custom(
            "maxhooks",
            "How many webhook endpoints can an organisation register?",
            "What is the maximum number of webhooks per organisation?",
            "Up to how many webhook endpoints can one Acme organisation configure?",
            "30 webhooks",
            "50 webhooks",
        ),
        custom(
            "sigheader",
            "Which HTTP header carries the signature of an Acme webhook delivery?",
            "What is the name of the header containing the HMAC signature of a webhook?",
            "In which header does Acme put the signature of a webhook payload?",
            "X-Acme-Hook-Sig",
            "Acme-Webhook-Signature",
        ),
        custom(
            "timeout",
            "How long does a webhook endpoint have to respond?",
            "What is the response timeout for Acme webhook deliveries?",
            "Within how many seconds must my webhook receiver answer before the delivery fails?",
            "12 seconds",
            "9 seconds",
        ),
        custom(
            "retries",
            "How many times is a failed webhook delivery retried?",
            "What is the maximum number of retries for a webhook delivery?",
            "Before dropping an event, how many retry attempts does Acme make?",
            "19 retries",
            "24 retries",
        ),
    ),
    page(
        "Webhook events",
        """
        Every webhook payload has a type field naming the event. This page lists the event
        types that integrations use most; the full list is available from the events
        endpoint of the API.

        When a file is moved to the trash, the event is {trash}. Creating a share link
        sends {link}. If a member is removed from a shared folder, the event is {member},
        and when an organisation crosses one of its storage warning thresholds it receives
        {quota}.

        Event types are stable within a major API version. New types may be added at any
        time, so receivers should ignore types they do not recognise instead of failing.
        """,
        templated("trash", "event", "a file is moved to the trash", "file.binned", "file.trashed"),
        templated("link", "event", "a share link is created", "link.minted", "share.created"),
        templated(
            "member",
            "event",
            "a member is removed from a shared folder",
            "folder.member_left",
            "membership.revoked",
        ),
        templated(
            "quota",
            "event",
            "an organisation crosses a storage warning threshold",
            "quota.nearing",
            "quota.threshold",
        ),
    ),
    page(
        "Audit log",
        """
        The audit log records security-relevant actions such as sign-ins, permission
        changes, link creation and deletions. It is available on Reef and Atoll and can be
        filtered by user, action type and date in the admin console.

        Entries are kept for {reef} on Reef and for {atoll} on Atoll. For longer archives,
        export them with GET {export}; a single export covers at most {range} of events, so
        longer archives need several requests.

        Entries cannot be edited or deleted by anyone, including organisation owners. Each
        entry records the actor, the action, the target, the IP address and the client
        that was used.
        """,
        templated(
            "reef", "retention", "audit log entries on the Reef plan", "400 days", "540 days"
        ),
        templated(
            "atoll", "retention", "audit log entries on the Atoll plan", "6 years", "8 years"
        ),
        templated(
            "export",
            "endpoint",
            "export audit log events",
            "/v3/audit/export",
            "/v3/audit-log/exports",
        ),
        custom(
            "range",
            "What is the longest time range a single audit log export can cover?",
            "How many days of events fit into one audit log export?",
            "What is the maximum period covered by one audit log export request?",
            "93 days",
            "124 days",
        ),
    ),
    page(
        "Personal storage quotas",
        """
        On Reef and Atoll, administrators can give each member a personal quota so that a
        few people cannot use up the whole pooled allowance. Quotas are optional and are
        switched on per organisation.

        When personal quotas are switched on, new members start with {default}.
        Administrators can change the quota of any member, but the smallest quota that can
        be set is {minimum}. Members receive a warning email once they reach {warning} of
        their quota, and uploads stop when they reach the full amount.

        Files in shared folders count against the quota of the folder's owner, not of the
        person who uploaded them. Team folders owned by the organisation are not counted
        against anyone's personal quota.
        """,
        custom(
            "default",
            "What personal quota do new members get when personal quotas are switched on?",
            "How much storage does a new team member start with under personal quotas?",
            "When an admin turns on personal quotas, what quota do new members start with?",
            "185 GB",
            "260 GB",
        ),
        custom(
            "minimum",
            "What is the smallest personal quota an admin can set?",
            "What is the minimum value for a member's personal storage quota?",
            "How low can an administrator set a personal storage quota?",
            "15 GB",
            "20 GB",
        ),
        custom(
            "warning",
            "At what share of their personal quota do members get a warning email?",
            "When is a member warned that they are approaching their personal quota?",
            "What quota usage level triggers Acme's warning email to a member?",
            "88 percent",
            "93 percent",
        ),
    ),
    page(
        "Support tiers",
        """
        Acme offers three support tiers. Ember is included with every paid plan, Flare is
        an add-on for Reef, and Beacon is included with Atoll.

        Ember provides email support, with a first response within {ember}. Flare adds
        phone support and answers urgent tickets within {flare}; it costs {flareprice} per
        seat per month. Beacon customers get a first response to urgent tickets within
        {beacon}, around the clock and in every time zone.

        Urgency is set by the customer when opening a ticket and can be adjusted by the
        support engineer. Pebble users can rely on the community forum and the help centre
        articles instead of ticket support.
        """,
        templated("ember", "response", "tickets on the Ember support tier", "22 hours", "16 hours"),
        templated(
            "flare",
            "response",
            "urgent tickets on the Flare support tier",
            "140 minutes",
            "110 minutes",
        ),
        templated("flareprice", "price", "one seat of Flare support", "$1.65", "$2.10"),
        templated(
            "beacon",
            "response",
            "urgent tickets on the Beacon support tier",
            "35 minutes",
            "20 minutes",
        ),
    ),
    page(
        "Contacting support",
        """
        Support tickets are opened from the help centre or by email, and every ticket gets
        a number that starts with {prefix}. Quote that number in any follow-up so that the
        conversation stays in one place.

        Flare and Beacon customers can also call the support line at {phone}. Calls are
        answered in English, French and Japanese, and a call always creates a ticket so
        that nothing is lost between shifts.

        A ticket that is waiting for the customer is closed automatically after {autoclose}
        without a reply. Replying to the closing email reopens it with its full history.
        """,
        custom(
            "prefix",
            "What prefix do Acme support ticket numbers have?",
            "How does every Acme support ticket number begin?",
            "Which prefix identifies an Acme support ticket?",
            "HLP-",
            "CASE-",
        ),
        custom(
            "phone",
            "What is Acme Cloud Storage's support phone number?",
            "Which number do Flare and Beacon customers call for phone support?",
            "How can I reach Acme support by phone? What's the number?",
            "+1-415-555-0173",
            "+1-415-555-0198",
        ),
        custom(
            "autoclose",
            "After how long without a customer reply is a support ticket closed automatically?",
            "When does Acme auto-close a support ticket that is waiting for the customer?",
            "How many days of silence from the customer make a ticket close itself?",
            "5 working days",
            "7 working days",
        ),
    ),
    page(
        "Status page and incidents",
        """
        The current health of every Acme service is published at {url}. The page shows
        each region separately, along with the API, the web app and the desktop sync
        service.

        During an incident, the status page is updated at least every {interval}, even when
        there is nothing new to report. Anyone can subscribe to updates by email or RSS,
        and Atoll customers can receive them in their own chat tools.

        For severity 1 and severity 2 incidents, Acme publishes a written post-incident
        review within {review}. The review explains the cause, the impact and the changes
        that will prevent a repeat.
        """,
        custom(
            "url",
            "What is the address of Acme Cloud Storage's status page?",
            "Where can I check the current health of Acme's services?",
            "Which URL hosts Acme's public status page?",
            "https://pulse.acmecloud.example",
            "https://health.acmecloud.example",
        ),
        custom(
            "interval",
            "How often is the Acme status page updated during an incident?",
            "What is the minimum update frequency on the status page while an incident is ongoing?",
            "During an outage, at what interval does Acme post status updates?",
            "45 minutes",
            "30 minutes",
        ),
        custom(
            "review",
            "How soon after a severity 1 or 2 incident is the post-incident review published?",
            "Within what time does Acme publish post-incident reviews for major incidents?",
            "How long does it take for a written post-incident review to appear after a "
            "serious outage?",
            "6 business days",
            "4 business days",
        ),
    ),
    page(
        "Service level agreement",
        """
        The service level agreement applies to the Reef and Atoll plans. Availability is
        measured per calendar month across the API, the web app and file downloads.

        On Reef, Acme commits to {reef} monthly uptime; on Atoll, the commitment is
        {atoll}. Scheduled maintenance announced at least five days in advance does not
        count as downtime.

        If a commitment is missed, the organisation receives a service credit of {credit}
        of that month's fee. Credits must be claimed within {claim} after the end of the
        affected month through a support ticket, and they are applied to the next invoice
        rather than paid out.
        """,
        templated("reef", "uptime", "the Reef plan's SLA", "99.87%", "99.91%"),
        templated("atoll", "uptime", "the Atoll plan's SLA", "99.96%", "99.985%"),
        custom(
            "credit",
            "How much service credit does Acme give when the SLA is missed?",
            "What credit is applied for a missed monthly uptime commitment?",
            "If Acme misses its SLA in a month, what share of the fee comes back as credit?",
            "12.5 percent",
            "15 percent",
        ),
        custom(
            "claim",
            "Within what time must an SLA credit be claimed?",
            "How long do customers have to claim an SLA service credit?",
            "What is the deadline for submitting an SLA credit claim after the affected month?",
            "38 days",
            "50 days",
        ),
    ),
    page(
        "Deprecation: API version 2",
        """
        Version 2 of the REST API is deprecated, and new integrations must use version 3.
        Version 2 will be shut down on {shutdown}, after which every request to it returns
        an error.

        To make sure nobody is surprised, scheduled brownouts begin on {brownout}. During a
        brownout, version 2 answers every request with an error; each brownout lasts
        {length} and they become more frequent as the shutdown date approaches.

        The migration guide maps every version 2 call to its version 3 equivalent. Most
        changes are mechanical, but uploads now always use resumable sessions, so clients
        that uploaded whole files in one request need a small rewrite.
        """,
        templated(
            "shutdown",
            "retired",
            "version 2 of the Acme REST API",
            "February 27, 2026",
            "May 15, 2026",
        ),
        custom(
            "brownout",
            "When do the scheduled brownouts of the version 2 API start?",
            "From what date will API version 2 return errors during planned brownouts?",
            "On which date does Acme begin brownout testing for the version 2 API?",
            "November 4, 2025",
            "January 13, 2026",
        ),
        custom(
            "length",
            "How long does each version 2 API brownout last?",
            "What is the duration of a scheduled brownout of the version 2 API?",
            "During the version 2 deprecation, how long are the individual brownout windows?",
            "105 minutes",
            "150 minutes",
        ),
    ),
    page(
        "Deprecation: Acme Drive",
        """
        Before Acme Sync existed, desktop sync was handled by an app called Acme Drive. Its
        last release was {lastver}, and Acme Sync continued the numbering from 4.0.

        Acme Drive will stop syncing on {stop}. From that date it can still open the local
        copies of files, but changes will no longer reach the cloud.

        Installations of Acme Drive migrate to Acme Sync automatically when the computer has
        at least {space} of free disk space; otherwise the user is asked to free up space
        first. The migration keeps the existing folder location, so nothing has to be
        downloaded again.
        """,
        custom(
            "lastver",
            "What was the last version of the legacy Acme Drive app?",
            "Which version number was the final release of Acme Drive?",
            "At what version did Acme Drive's numbering end?",
            "version 3.9.17",
        ),
        templated(
            "stop",
            "retired",
            "the legacy Acme Drive desktop app",
            "July 21, 2025",
            "October 6, 2025",
        ),
        custom(
            "space",
            "How much free disk space does the automatic migration from Acme Drive to Acme "
            "Sync need?",
            "What free space is required for an Acme Drive installation to migrate automatically?",
            "To move from Acme Drive to Acme Sync automatically, how much disk space must be free?",
            "3.2 GB",
            "4.1 GB",
        ),
    ),
    page(
        "Deprecation: WebDAV password sign-in",
        """
        The WebDAV gateway at {host} lets older tools and network drives mount Acme Cloud
        Storage. It listens on {port} in addition to the standard HTTPS port.

        Signing in to WebDAV with your normal account password is being retired on
        {retire}. After that date, WebDAV connections must use an app password created in
        account settings. App passwords are {applen} long, are shown only once, and can be
        revoked individually without affecting any other device.

        The gateway itself is not going away, but new features such as vaults and Cold
        Shelf are not exposed through it.
        """,
        custom(
            "host",
            "What is the hostname of Acme's WebDAV gateway?",
            "Which server name do I use to mount Acme Cloud Storage over WebDAV?",
            "Where is Acme's WebDAV gateway hosted?",
            "files-dav.acmecloud.example",
            "dav2.acmecloud.example",
        ),
        custom(
            "port",
            "Besides the standard HTTPS port, which port does Acme's WebDAV gateway listen on?",
            "What additional port number has to be open to reach the WebDAV gateway?",
            "Apart from port 443, on what port can the Acme WebDAV gateway be reached?",
            "port 9443",
            "port 10444",
        ),
        templated(
            "retire",
            "retired",
            "password sign-in on the WebDAV gateway",
            "December 2, 2025",
            "March 17, 2026",
        ),
        custom(
            "applen",
            "How long are the app passwords used for WebDAV?",
            "How many characters does an Acme app password have?",
            "What is the length of an app password created for WebDAV access?",
            "24 characters",
            "30 characters",
        ),
    ),
    page(
        "Computer backup (Driftwood)",
        """
        Driftwood backs up selected folders on a computer, such as Desktop and Documents, to
        a protected area that does not sync back to other devices. It is included with Reef
        and Atoll and is set up from the Acme Sync preferences.

        Driftwood takes a new backup every {interval} while the computer is on. Backup
        snapshots are retained for {keep}, so a file can be restored as it was on any day
        in that period. A single computer's backup can grow to at most {maxsize}; beyond
        that, the oldest snapshots are thinned out.

        Restores can be made to the original location or to a different computer, which is
        handy when a laptop is replaced.
        """,
        custom(
            "interval",
            "How often does Driftwood back up a computer?",
            "What is the backup interval of Acme's Driftwood feature?",
            "At what frequency does Driftwood take a new backup while the computer is on?",
            "85 minutes",
            "70 minutes",
        ),
        templated("keep", "retention", "Driftwood backup snapshots", "57 days", "75 days"),
        custom(
            "maxsize",
            "How large can a single computer's Driftwood backup be?",
            "What is the per-computer size limit for Driftwood backups?",
            "What's the maximum amount of data Driftwood will keep for one computer?",
            "900 GB",
            "1.3 TB",
        ),
    ),
    page(
        "Cold Shelf archive storage",
        """
        Cold Shelf is an archive tier for files that are rarely opened but must be kept,
        such as finished projects or old financial records. Files in Cold Shelf keep their
        place in the folder tree but show an archive badge.

        Cold Shelf storage costs {price} per gigabyte per month. Opening an archived file
        requires a restore, which completes within {restore}; the user is notified when the
        file is ready. Files moved to Cold Shelf are billed for at least {minimum}, even if
        they are deleted or restored earlier.

        Administrators can create rules that move files to Cold Shelf automatically after a
        period without access.
        """,
        custom(
            "price",
            "How much does Cold Shelf archive storage cost per gigabyte?",
            "What is the monthly price per GB for Cold Shelf?",
            "What does Acme charge per gigabyte per month for Cold Shelf archive storage?",
            "$0.0041",
            "$0.0036",
        ),
        custom(
            "restore",
            "How long does it take to restore a file from Cold Shelf?",
            "What is the retrieval time for Cold Shelf archive storage?",
            "After requesting a file from Cold Shelf, how long until it can be opened?",
            "9 hours",
            "13 hours",
        ),
        custom(
            "minimum",
            "What is the minimum billing period for files moved to Cold Shelf?",
            "For how long is a file in Cold Shelf billed at minimum?",
            "If I delete a file from Cold Shelf early, what minimum storage period am I still "
            "charged for?",
            "135 days",
            "100 days",
        ),
    ),
    page(
        "Search and OCR",
        """
        Search covers file names, folder names and the text inside documents. Results
        respect permissions, so nobody sees files they cannot open.

        New or changed files become searchable within {delay} of finishing their upload.
        Optical character recognition extracts text from images and scanned PDFs in
        {languages}, so scanned contracts can be found by their wording.

        Files larger than {maxindex} are indexed by name only; their content is not read.
        Vault contents are never indexed, and neither are files in Cold Shelf. Search
        queries support quoted phrases, a minus sign to exclude a word, and filters by file
        type and owner.
        """,
        custom(
            "delay",
            "How soon after upload does a file become searchable?",
            "What is the indexing delay for new or changed files?",
            "Within how long are newly uploaded files findable in Acme search?",
            "140 seconds",
            "75 seconds",
        ),
        custom(
            "languages",
            "How many languages does Acme's OCR support?",
            "In how many languages can OCR extract text from scanned documents?",
            "What is the number of languages covered by Acme's text recognition?",
            "23 languages",
            "31 languages",
        ),
        custom(
            "maxindex",
            "Above what size are files indexed by name only?",
            "What is the maximum file size for full-content search indexing?",
            "Files bigger than what do not get their content indexed by Acme search?",
            "180 MB",
            "245 MB",
        ),
    ),
    page(
        "File previews",
        """
        The web and mobile apps show previews so that files can be checked without
        downloading them. Previews are generated on upload and refreshed when a new version
        arrives.

        Acme generates previews for {formats}, including office documents, images, common
        video formats and many CAD drawings. Previews are produced for files up to
        {maxsize}; larger files show a generic icon instead.

        For videos, the preview plays the {clip} at reduced resolution. The full video is
        streamed only after the viewer presses play in the full player. Previews inherit
        the permissions of the file, so a preview can never reveal a file that the viewer
        cannot open.
        """,
        custom(
            "formats",
            "How many file formats can Acme preview?",
            "For how many file types does Acme Cloud Storage generate previews?",
            "What number of formats does Acme's preview engine support?",
            "170 file formats",
            "215 file formats",
        ),
        custom(
            "maxsize",
            "What is the largest file Acme will generate a preview for?",
            "Up to what file size are previews generated?",
            "Files over what size get no preview in the Acme apps?",
            "620 MB",
            "780 MB",
        ),
        custom(
            "clip",
            "How much of a video does an Acme preview play?",
            "What portion of a video is included in its preview?",
            "Which part of a video is shown in the preview before the full player is opened?",
            "first 45 seconds",
            "first 70 seconds",
        ),
    ),
    page(
        "Network requirements",
        """
        Acme Sync and the tern CLI need outbound HTTPS access to the acmecloud.example
        domain and its subdomains. Deep packet inspection proxies should exempt these hosts,
        because they can corrupt resumable uploads.

        The desktop client also keeps a long-lived notification channel open on TCP
        {notify}, which lets it react to changes within seconds. If that port is blocked,
        the client falls back to polling, which is slower and uses more battery.

        Acme publishes its IP address ranges in machine-readable form at {iplist}. Changes
        to the ranges are announced {notice} in advance by email to organisation
        administrators, so firewall rules can be updated in time.
        """,
        templated("notify", "port", "the Acme Sync notification channel", "port 9361", "port 9472"),
        custom(
            "iplist",
            "At what URL does Acme publish its IP address ranges?",
            "Where can network administrators find the machine-readable list of Acme IP ranges?",
            "Which address serves the list of IP ranges used by Acme Cloud Storage?",
            "https://net.acmecloud.example/ranges.json",
            "https://net.acmecloud.example/ip-blocks.json",
        ),
        custom(
            "notice",
            "How far in advance are changes to Acme's IP ranges announced?",
            "What notice does Acme give before changing its published IP ranges?",
            "How many days ahead of time are IP range changes announced to administrators?",
            "26 days",
            "39 days",
        ),
    ),
    page(
        "Devices and remote wipe",
        """
        Every user can see their linked computers, phones and CLI sessions in account
        settings and unlink any of them. On Reef, a user can link at most {maxdev}.

        Administrators on Reef and Atoll can also remote wipe a device, which deletes the
        Acme files stored on it the next time it connects. If the device stays offline, the
        wipe command waits for up to {wait} before it is cancelled and the administrator is
        notified.

        Devices that have not connected for {unlink} are unlinked automatically. Unlinking
        does not delete local files, but they stop syncing and a fresh sign-in is needed to
        continue.
        """,
        custom(
            "maxdev",
            "How many devices can a Reef user link?",
            "What is the device limit for a user on the Reef plan?",
            "On Reef, how many devices may one person link to their account?",
            "12 devices",
            "16 devices",
        ),
        custom(
            "wait",
            "How long does a remote wipe command wait for an offline device?",
            "If a device stays offline, for how long does Acme keep a pending remote wipe?",
            "After how much time is an undelivered remote wipe command cancelled?",
            "53 days",
            "67 days",
        ),
        custom(
            "unlink",
            "After how long without connecting is a device unlinked automatically?",
            "When does Acme automatically unlink a device that hasn't connected?",
            "What inactivity period leads to a device being unlinked?",
            "104 days",
            "152 days",
        ),
    ),
    page(
        "Roles and groups",
        """
        Every organisation has owners, administrators and members. Owners can do everything,
        including closing the organisation; administrators manage users and settings; and
        members use the product. Specialised roles are described on the pages of the
        features they control.

        An organisation can have at most {owners}. Groups make it easier to share folders
        with whole teams: an organisation can create up to {groups}, and each group can
        contain up to {groupsize}.

        Groups can be synchronised from the identity provider through SCIM, in which case
        their membership can no longer be edited in the admin console. Nested groups are not
        supported.
        """,
        custom(
            "owners",
            "How many owners can an Acme organisation have?",
            "What is the maximum number of organisation owners?",
            "Up to how many people can hold the owner role in one organisation?",
            "4 owners",
            "6 owners",
        ),
        custom(
            "groups",
            "How many groups can an organisation create?",
            "What is the maximum number of groups per organisation?",
            "What is the cap on groups in one Acme organisation?",
            "1,900 groups",
            "2,750 groups",
        ),
        custom(
            "groupsize",
            "How many members can a single group have?",
            "What is the maximum size of one group?",
            "Up to how many users fit into a single Acme group?",
            "7,500 members",
            "9,600 members",
        ),
    ),
    page(
        "Education and nonprofit pricing",
        """
        Acme supports schools and charities with reduced prices on the Reef plan. The
        discount applies to every seat and to Tide packs, but not to support add-ons.

        Accredited schools and universities receive {edu} off the list price, and
        registered nonprofits receive {npo}. Eligibility is checked by the verification
        partner {partner}, which usually confirms within two working days.

        The discount is renewed every year as long as the organisation remains eligible. If
        eligibility lapses, the organisation moves to the regular price at the next renewal,
        with no change to its data or settings.
        """,
        templated(
            "edu", "discount", "accredited schools on the Reef plan", "42 percent", "48 percent"
        ),
        templated(
            "npo", "discount", "registered nonprofits on the Reef plan", "31 percent", "36 percent"
        ),
        custom(
            "partner",
            "Which organisation verifies eligibility for Acme's education and nonprofit discounts?",
            "Who handles verification for Acme's education and nonprofit pricing?",
            "What is the name of the partner that checks whether a school or charity qualifies "
            "for Acme's discount?",
            "Verity Ledger",
            "Credentia",
        ),
    ),
    page(
        "Referral programme",
        """
        Pebble and Cove users can invite friends to Acme Cloud Storage with a personal
        referral link. Rewards are added automatically, and both sides can see them on the
        storage page.

        Each successful referral adds {bonus} of bonus storage to both the inviter and the
        new user. An account can collect at most {maximum} of referral bonus in total. For
        a referral to count, the invited person must sign up within {window} of receiving
        the invitation.

        Bonus storage stays with the account as long as it remains active, and it carries
        over when a Pebble user upgrades to Cove.
        """,
        custom(
            "bonus",
            "How much bonus storage does each successful referral earn?",
            "What is the storage reward per referral?",
            "When a friend signs up through my referral link, how much extra storage do we "
            "each get?",
            "750 MB",
            "950 MB",
        ),
        custom(
            "maximum",
            "What is the maximum bonus storage an account can earn from referrals?",
            "How much referral bonus storage can one account collect at most?",
            "What's the cap on storage earned through referrals?",
            "18.4 GB",
            "23.7 GB",
        ),
        custom(
            "window",
            "How long does an invited friend have to sign up for the referral to count?",
            "Within what time after the invitation must a referred user register?",
            "What is the referral sign-up window?",
            "37 days",
            "46 days",
        ),
    ),
    page(
        "Email to upload (Drop addresses)",
        """
        Every Cove, Reef and Atoll user has a private Drop address. Attachments of emails
        sent to that address are saved into a folder called {folder}, which is created
        automatically the first time a message arrives.

        Drop addresses use the domain {domain}, with a random local part that can be
        regenerated if it leaks. The attachments of one email may total at most {maxsize}.
        A Drop address accepts up to {rate} per hour; additional messages are bounced with
        an explanation.

        The body of the email is saved as a text file next to the attachments, so the
        context of a scanned document is not lost.
        """,
        custom(
            "folder",
            "Which folder receives attachments sent to a Drop address?",
            "Where are email attachments saved when they are sent to an Acme Drop address?",
            "What is the name of the folder that email-to-upload attachments land in?",
            "Inbox Drops",
            "Mail Drops",
        ),
        custom(
            "domain",
            "What domain do Acme Drop addresses use?",
            "Email-to-upload addresses end in which domain?",
            "At which domain are Acme Drop addresses hosted?",
            "post.acmecloud.example",
            "drop-mail.acmecloud.example",
        ),
        custom(
            "maxsize",
            "What is the size limit for attachments sent to a Drop address?",
            "How large can the attachments in one email to a Drop address be in total?",
            "What's the maximum total attachment size per email for email-to-upload?",
            "34 MB",
            "47 MB",
        ),
        custom(
            "rate",
            "How many emails per hour can a Drop address accept?",
            "What is the hourly email limit of a Drop address?",
            "How many messages may be sent to one Drop address in an hour?",
            "70 emails",
            "95 emails",
        ),
    ),
    page(
        "Migrations with Ferry",
        """
        Ferry is Acme's migration service for moving files from other cloud storage
        providers. It copies folders, permissions and version history where the source
        system exposes them, and it writes a report of anything that could not be moved.

        A single Ferry job can move up to {maxjob} of data. Jobs copy at up to {speed},
        depending on how fast the source provider allows reads. Each job must finish within
        {window}; larger migrations should be split into several jobs by department or
        folder.

        Ferry is free for Reef and Atoll customers, and Atoll customers get a migration
        engineer who plans the cut-over with them.
        """,
        custom(
            "maxjob",
            "How much data can one Ferry migration job move?",
            "What is the size limit of a single Ferry job?",
            "What is the maximum amount of data per Ferry migration job?",
            "38 TB",
            "55 TB",
        ),
        custom(
            "speed",
            "How fast does Ferry copy data?",
            "What throughput can a Ferry migration job reach?",
            "At what rate does Ferry transfer files from another provider at best?",
            "2.9 TB per day",
            "3.6 TB per day",
        ),
        custom(
            "window",
            "How long can a Ferry job run before it must be finished?",
            "What is the time limit for completing a Ferry migration job?",
            "Within how many days must a Ferry job finish?",
            "29 days",
            "42 days",
        ),
    ),
    page(
        "Compliance certifications",
        """
        Acme Cloud Storage is certified under the Osprey Trust Framework at {tier}, the
        highest level available to storage providers. The certification covers every
        region and is renewed each year by an external audit. The most recent audit was
        completed on {audit}.

        For healthcare data, Acme holds the {health} attestation, which allows hospitals and
        clinics to store patient records in the Reef and Atoll plans.

        Audit reports and the bridge letters between audits are available to customers
        under a non-disclosure agreement from the trust portal at {portal}. Prospective
        customers can request access through their sales contact.
        """,
        custom(
            "tier",
            "At which tier is Acme certified under the Osprey Trust Framework?",
            "What Osprey Trust Framework level has Acme achieved?",
            "Which tier of the Osprey Trust Framework does Acme Cloud Storage hold?",
            "Tier 3B",
            "Tier 4A",
        ),
        custom(
            "audit",
            "When was Acme's most recent certification audit completed?",
            "On what date did Acme's latest Osprey Trust Framework audit finish?",
            "What is the completion date of the newest external audit of Acme?",
            "May 16, 2024",
            "April 29, 2025",
        ),
        custom(
            "health",
            "Which attestation does Acme hold for healthcare data?",
            "What healthcare compliance attestation does Acme Cloud Storage have?",
            "For storing patient records, which attestation has Acme obtained?",
            "Clearwater HX-3",
        ),
        custom(
            "portal",
            "Where can customers download Acme's audit reports?",
            "What is the address of Acme's trust portal?",
            "Which URL hosts the trust portal with Acme's compliance reports?",
            "https://assure.acmecloud.example",
            "https://trustcentre.acmecloud.example",
        ),
    ),
    page(
        "Security vulnerability disclosure",
        """
        Acme welcomes reports from security researchers and will not take legal action
        against anyone who follows this policy in good faith. Please do not access other
        customers' data, and stop testing as soon as you find a problem.

        Send reports to {email}, encrypted with the key published on the same page if the
        details are sensitive. Acme acknowledges every report within {ack} and keeps the
        reporter informed until the issue is fixed.

        Valid reports are rewarded through the bug bounty programme, with payouts up to
        {bounty} for the most severe findings. Duplicate reports are rewarded only for the
        first submission.
        """,
        custom(
            "email",
            "What email address should be used to report a security vulnerability to Acme?",
            "Where do I send a vulnerability report about Acme Cloud Storage?",
            "How do I contact Acme's security team by email to disclose a bug?",
            "vault-guard@acmecloud.example",
            "psirt-intake@acmecloud.example",
        ),
        custom(
            "ack",
            "How quickly does Acme acknowledge a vulnerability report?",
            "Within what time will Acme confirm receipt of a security report?",
            "What is the acknowledgement time for vulnerability reports sent to Acme?",
            "30 hours",
            "20 hours",
        ),
        custom(
            "bounty",
            "What is the maximum bug bounty reward Acme pays?",
            "How much can a single vulnerability report earn at most in Acme's bug bounty?",
            "What is the top payout of the Acme bug bounty programme?",
            "$18,500",
            "$24,000",
        ),
    ),
    page(
        "Account closure and data export",
        """
        Before closing an account or organisation, owners can export all data. The export
        runs in the background and produces an archive split into parts of {part}, which
        is easier to download over unreliable connections.

        When the export is ready, the owner receives a download link that stays valid for
        {valid}. The link can be regenerated from the settings page as long as the account
        is still open.

        After an account is closed, its data is kept for {deletion} in case the closure was
        a mistake, and then deleted permanently from every region and backup. Reopening
        during that period restores everything, including share links.
        """,
        custom(
            "part",
            "What size are the parts of an Acme data export archive?",
            "Into what size chunks is a full data export split?",
            "How large is each part of an account export archive?",
            "25 GB",
            "30 GB",
        ),
        templated(
            "valid",
            "validity",
            "the download link for a finished data export",
            "2 weeks",
            "3 weeks",
        ),
        custom(
            "deletion",
            "How long after an account is closed is its data permanently deleted?",
            "For how long does Acme keep the data of a closed account before deleting it?",
            "What is the grace period for reopening a closed account before its data is purged?",
            "44 days",
            "51 days",
        ),
    ),
]

FACTS_BY_ID: dict[str, Fact] = {fid: fact for fid, fact, _ in iter_facts()}

# Plausible questions whose answer is in no document. The probe is a word or phrase that
# must not occur anywhere in either corpus revision, proving the topic is not covered.
UNANSWERABLE: list[tuple[str, str]] = [
    (KINDS["price"][0].format(s="the Lagoon plan"), "Lagoon"),
    (KINDS["price"][1].format(s="the Titanium support tier"), "Titanium"),
    (KINDS["storage"][2].format(s="the Estuary plan"), "Estuary"),
    (KINDS["maxfile"][1].format(s="on the Shoal plan"), "Shoal"),
    (KINDS["rate"][0].format(s="the Acme GraphQL API"), "GraphQL"),
    (KINDS["endpoint"][0].format(s="transfer an organisation to another company"), "company"),
    (KINDS["endpoint"][2].format(s="merge two vaults into one"), "merge"),
    (KINDS["meaning"][0].format(s="ACS-9912"), "ACS-9912"),
    (KINDS["meaning"][2].format(s="ACS-6604"), "ACS-6604"),
    (KINDS["errcode"][0].format(s="a payment card is blocked for suspected fraud"), "fraud"),
    (KINDS["port"][0].format(s="the Acme FTP gateway"), "FTP"),
    (KINDS["retention"][1].format(s="chat messages in Acme Huddle"), "Huddle"),
    (KINDS["released"][0].format(s="version 7.0 of Acme Sync"), "7.0"),
    (KINDS["released"][2].format(s="the Acme smartwatch app"), "smartwatch"),
    (KINDS["retired"][0].format(s="the Acme fax-to-cloud service"), "fax"),
    (KINDS["codename"][0].format(s="version 6.0 of Acme Sync"), "6.0"),
    (KINDS["city"][0].format(s="the Kestrel region"), "Kestrel"),
    (KINDS["region"][0].format(s="the Moorland region"), "Moorland"),
    (KINDS["name"][1].format(s="its built-in AI writing assistant"), "AI"),
    (KINDS["response"][0].format(s="tickets on the Cinder support tier"), "Cinder"),
    (KINDS["version"][0].format(s="the Acme browser extension"), "browser extension"),
    (KINDS["command"][0].format(s="convert a document to PDF"), "convert"),
    (KINDS["event"][0].format(s="a comment is liked"), "liked"),
    (KINDS["discount"][0].format(s="military veterans"), "veterans"),
    (KINDS["validity"][0].format(s="an Acme gift card"), "gift card"),
    (KINDS["uptime"][0].format(s="the Harbor plan's SLA"), "Harbor"),
    ("Who is the CEO of Acme Cloud Storage?", "CEO"),
    ("When is the birthday of Acme Cloud Storage's CEO?", "birthday"),
    ("In what year was Acme Cloud Storage founded?", "founded"),
    ("What is the total headcount of Acme Cloud Storage?", "headcount"),
    ("What is the stock ticker symbol of Acme Cloud Storage?", "ticker"),
    ("Which programming language is the Acme Sync client built with?", "programming"),
    ("Where are Acme Cloud Storage's headquarters?", "headquarters"),
    ("How much does Acme charge to ship a physical hard drive for a bulk import?", "hard drive"),
    ("What is the maximum video resolution of the Acme TV app?", "TV"),
    ("Which port does the Acme Sync remote debugging console listen on?", "debugging"),
    ("When will the Acme Sync client for ChromeOS be released?", "ChromeOS"),
    ("How much does a Cove subscription cost in Brazilian reais?", "reais"),
    ("What is the street address of the Juniper region's main data centre?", "street"),
    ("What was Acme Cloud Storage's annual revenue last year?", "revenue"),
    ("How long does Acme keep voicemail recordings left for support?", "voicemail"),
    ("What is the price of the Acme-branded hardware security key?", "branded"),
    ("How many stars does the Acme iOS app have on the App Store?", "App Store"),
    ("What is the maximum number of participants in an Acme video meeting?", "meeting"),
    ("Which blockchain does Acme use to notarise files?", "blockchain"),
    ("When does Acme's summer sale start?", "sale"),
    ("What is the rate limit for the Acme Search API?", "Search API"),
    ("What is the name of Acme Cloud Storage's mascot?", "mascot"),
    ("How much is a perpetual licence for the Acme Sync client?", "perpetual"),
    ("What is the phone number of Acme's billing office in Germany?", "Germany"),
    ("What is the minimum age for opening a Pebble account?", "minimum age"),
    ("When did Acme open its office in Singapore?", "Singapore"),
    ("How long can a screen recording made with the Acme desktop client be?", "screen recording"),
    ("Which error code does Acme return when a print job fails?", "print"),
    ("When will Acme open a region in Africa?", "Africa"),
    ("How many bookmarks can be saved in the Acme web app?", "bookmarks"),
]


if __name__ == "__main__":
    main()
