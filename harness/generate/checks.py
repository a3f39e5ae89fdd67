"""The checks a proposed fact must pass, made in code, and the reasons it is rejected.

Text is compared after `normalise`: Unicode NFKC, curly quotes and the dashes made plain, case
folded, runs of whitespace one space. A quote or answer "occurs" in a text when its normalised
form does, on word boundaries ("3" does not occur in "2023"), with punctuation at its ends
ignored (a model may drop or add the final full stop).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from harness.retrieval.embedders import Embedder
from harness.scoring.correctness import words

_PLAIN = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u0060\u00b4", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    }
)
_EDGE_PUNCTUATION = " .,;:!?\"'()[]"

# Rejection reasons, in the order the checks run; generation.json counts each.
FACT_REASONS = (
    "over_section_limit",  # the reply held more facts than generate.facts_per_section
    "answer_unscorable",  # scoring reduces the answer to nothing (punctuation only)
    "evidence_not_in_section",
    "answer_not_in_section",
    "answer_not_in_evidence",
    "answer_in_question",
    "duplicate_fact",  # same answer and evidence as a fact kept before it
    "duplicate_question",  # question embedding within generate.duplicate_threshold of a kept one
    "over_document_cap",  # past generate.max_facts_per_document
)


@dataclass
class Fact:
    """A (question, short answer, evidence quote) about one section, and its other phrasings."""

    section_id: str
    document: str
    question: str
    answer: str
    evidence: str
    paraphrases: list[str] = field(default_factory=list)
    kind: str = ""  # answer-first: the candidate's kind ("date", "money"...); fact-first: ""


def normalise(text: str) -> str:
    """Text as the checks compare it: NFKC, plain quotes and dashes, case-folded, one space."""
    plain = unicodedata.normalize("NFKC", text).translate(_PLAIN).casefold()
    return " ".join(plain.split())


def occurs(needle: str, haystack: str) -> bool:
    """Whether `needle` occurs in `haystack` after normalisation, on word boundaries."""
    target = normalise(needle).strip(_EDGE_PUNCTUATION)
    if not target:
        return False
    pattern = rf"(?<!\w){re.escape(target)}(?!\w)"
    return re.search(pattern, normalise(haystack)) is not None


def answer_in_question(answer: str, question: str) -> bool:
    """Whether the question gives its answer away: the answer's words, in order, in it."""
    needle, haystack = words(answer), words(question)
    size = len(needle)
    return size > 0 and any(haystack[i : i + size] == needle for i in range(len(haystack)))


def fact_problem(fact: Fact, section_text: str) -> str | None:
    """The first check `fact` fails against its section's text, or None if it passes all."""
    if not words(fact.answer):
        return "answer_unscorable"
    if not occurs(fact.evidence, section_text):
        return "evidence_not_in_section"
    if not occurs(fact.answer, section_text):
        return "answer_not_in_section"
    if not occurs(fact.answer, fact.evidence):
        return "answer_not_in_evidence"
    if answer_in_question(fact.answer, fact.question):
        return "answer_in_question"
    return None


def merge_duplicates(
    facts: list[Fact], embedder: Embedder, threshold: float, rejected: Counter[str]
) -> list[Fact]:
    """The facts without repeats, first kept: the same normalised (answer, evidence), or a
    question whose embedding's cosine with a kept question is >= `threshold`."""
    if not facts:
        return []
    vectors = embedder.encode([f.question for f in facts], batch_size=64)
    kept: list[int] = []
    seen: set[tuple[str, str]] = set()
    for index, fact in enumerate(facts):
        key = (normalise(fact.answer), normalise(fact.evidence))
        if key in seen:
            rejected["duplicate_fact"] += 1
            continue
        if kept and float(np.max(vectors[kept] @ vectors[index])) >= threshold:
            rejected["duplicate_question"] += 1
            continue
        seen.add(key)
        kept.append(index)
    return [facts[i] for i in kept]


def spread_over_documents(facts: list[Fact], cap: int | None, rejected: Counter[str]) -> list[Fact]:
    """At most `cap` facts per document, taken round-robin over its sections (the first fact of
    every section before the second of any), so one long section cannot fill the quota."""
    if cap is None:
        return facts
    chosen: set[int] = set()
    by_document: dict[str, dict[str, list[int]]] = {}
    for index, fact in enumerate(facts):
        by_document.setdefault(fact.document, {}).setdefault(fact.section_id, []).append(index)
    for sections in by_document.values():
        queues = list(sections.values())
        taken = 0
        for depth in range(max(len(q) for q in queues)):
            for queue in queues:
                if depth < len(queue) and taken < cap:
                    chosen.add(queue[depth])
                    taken += 1
    rejected["over_document_cap"] += len(facts) - len(chosen)
    return [fact for index, fact in enumerate(facts) if index in chosen]


def paraphrase_problem(paraphrase: str, fact: Fact, earlier: list[str]) -> str | None:
    """Why a proposed paraphrase of `fact` is not used, or None: it gives the answer away, or
    repeats the question or an earlier paraphrase (after normalisation)."""
    if answer_in_question(fact.answer, paraphrase):
        return "paraphrase_contains_answer"
    if normalise(paraphrase) in {normalise(p) for p in (fact.question, *earlier)}:
        return "paraphrase_duplicate"
    return None
