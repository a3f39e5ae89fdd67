"""Seeded subsets: of the train split drawn by fact (how much training data fine-tuning needs),
and of a split's questions to answer (`run.sample`: the comparison on fewer questions).

A fact is what one group of paraphrases asks about: questions with the same gold `doc_ids` and
`answers` ask the same thing in other words, so they are drawn (or left out) together and N counts
the facts a model was shown, not its phrasings. A question without answers (off-topic, or one the
documents cannot answer) is a fact of its own.
"""

from __future__ import annotations

import random
from collections.abc import Hashable

from harness.datasets import Question
from harness.errors import HarnessError


def fact_key(question: Question) -> Hashable:
    """What makes two questions paraphrases of one fact: the same documents and gold answers."""
    if not question.answers:
        return ("question", question.id)
    return ("fact", tuple(sorted(question.doc_ids)), tuple(sorted(question.answers)))


def facts(questions: list[Question]) -> dict[Hashable, list[Question]]:
    """The questions grouped by `fact_key`, in the order each fact first appears."""
    groups: dict[Hashable, list[Question]] = {}
    for question in questions:
        groups.setdefault(fact_key(question), []).append(question)
    return groups


def draw_facts(questions: list[Question], n: int, seed: int, setting: str) -> list[Question]:
    """The questions of `n` facts drawn with `seed`, in their original order.

    The draw depends only on the facts, the seed and `n`, and a larger `n` with the same seed
    keeps every fact a smaller one drew (the subsets are nested), so a data curve adds facts to
    what the model had, rather than drawing a new set at every size. `setting` names the config
    key in the error raised when `n` is not between 1 and the number of facts.
    """
    groups = facts(questions)
    if not 1 <= n <= len(groups):
        raise HarnessError(
            f"{setting}={n}: the train split has {len(groups)} facts "
            f"({len(questions)} questions); use 1 to {len(groups)}, or null for all of them"
        )
    order = sorted(groups, key=repr)  # independent of the questions' order in the file
    random.Random(seed).shuffle(order)
    chosen = set(order[:n])
    return [q for q in questions if fact_key(q) in chosen]


SAMPLE_SEED = 0  # fixed: every run drawing N questions of a split draws the same ones


def sample_questions(questions: list[Question], answerable: int) -> list[Question]:
    """`answerable` answerable questions drawn at random (seeded) and the unanswerable ones in
    the same share, in the split's order; all of them when the split has no more."""
    by_id = sorted(questions, key=lambda q: q.id)  # the same draw whatever the file's order
    with_answer = [q for q in by_id if q.answers]
    if answerable >= len(with_answer):
        return list(questions)
    without = [q for q in by_id if not q.answers]
    share = answerable / len(with_answer)
    rng = random.Random(SAMPLE_SEED)
    drawn = {q.id for q in rng.sample(with_answer, answerable)}
    drawn |= {q.id for q in rng.sample(without, round(share * len(without)))}
    return [q for q in questions if q.id in drawn]
