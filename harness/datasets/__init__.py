"""Datasets in one generic on-disk format, and the builders that load them.

`corpus.jsonl` rows: {"id", "title" (optional), "text"}.
`questions.jsonl` rows: {"id", "question", "answers": [...], "split": "train"|"test",
"doc_ids": [...] (optional), "checks": [...] (optional), "reference": "..." (optional)}. An empty
`answers` list marks a question the documents cannot answer: the right behaviour is to abstain.
`checks` are behaviour checks (`harness.scoring.behaviour`); `reference` is the reply fine-tuning
learns for the question when the bare gold answer is not the whole reply (a house format, a
fallback phrase), in place of its first gold answer or the abstention.

Loading is strict: a row that cannot be used stops the load with one line naming the file, the line
and the field (bad JSON or UTF-8, a missing, empty, mistyped or over-long field, a repeated id, an
unknown split or gold document, an answer that scoring reduces to nothing). Blank lines are
skipped. Fields the format does not know are ignored with one warning per file that names them and
counts their rows (a misspelt `doc_ids` would otherwise lose retrieval recall unnoticed). A split
whose questions are all unanswerable loads with a warning: answerable accuracy will be n/a.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from omegaconf import MISSING

from harness.config import settings_from, unkeyed_setting
from harness.datasets.jsonl_file import (
    MAX_CHARS as MAX_CHARS,
)
from harness.datasets.jsonl_file import (
    field,
    read_jsonl,
    string_list,
    text_field,
    warn_unknown_fields,
)
from harness.errors import HarnessError
from harness.plugins import register_schema
from harness.scoring.behaviour import Check, parse_checks
from harness.scoring.correctness import words

log = logging.getLogger(__name__)

SPLITS = ("train", "test")
QUESTION_FIELDS = ("id", "question", "answers", "split", "doc_ids", "checks", "reference")
DOCUMENT_FIELDS = ("id", "title", "text")
# A document is chunked, so it may be long, but not unboundedly: tokenising a 10 MB one took
# 1.2 GB of memory. Split bigger ones into several documents.
MAX_DOCUMENT_CHARS = 2_000_000


@dataclass(frozen=True)
class Document:
    """One page of the knowledge corpus."""

    id: str
    title: str
    text: str


@dataclass(frozen=True)
class Question:
    """One QA item; `answers` is empty when the corpus cannot answer it."""

    id: str
    question: str
    answers: tuple[str, ...]
    split: str
    doc_ids: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()  # behaviour checks (harness.scoring.behaviour), if any
    reference: str | None = None  # the reply to train on, if not the first gold answer

    @property
    def answerable(self) -> bool:
        """Whether the documents hold an answer."""
        return bool(self.answers)


# The prompt a dataset gets unless its config gives its own (acme does): nothing domain-specific.
NEUTRAL_SYSTEM_PROMPT = (
    'Answer the question briefly. If you do not know the answer, say "I don\'t know".'
)
NEUTRAL_ABSTAIN_ANSWER = "I don't know."


@dataclass
class Dataset:
    """A named corpus plus questions split into train and test, and the prompt it is asked with."""

    name: str
    corpus: list[Document]
    questions: list[Question]
    system_prompt: str = NEUTRAL_SYSTEM_PROMPT
    abstain_answer: str = NEUTRAL_ABSTAIN_ANSWER
    policy: str | None = None

    def split(self, name: str) -> list[Question]:
        """The questions of one split, in file order."""
        return [q for q in self.questions if q.split == name]


@dataclass
class DatasetSettings:
    """The settings every dataset schema shares: the prompts strategies use for it, and its
    policy (the rules strategy=prompt_policy and the other *_policy configs add)."""

    name: str = MISSING
    system_prompt: str = NEUTRAL_SYSTEM_PROMPT
    abstain_answer: str = NEUTRAL_ABSTAIN_ANSWER
    policy: str | None = None


@dataclass
class JsonlDatasetConfig(DatasetSettings):
    """Any dataset in the generic JSONL format."""

    _target_: str = "harness.datasets.build_jsonl"
    name: str = "jsonl"
    questions: str = MISSING
    corpus: str | None = None
    # gold answer -> substitute, for strategy.context=counterfactual; only a strategy's copy of
    # it (strategy.substitutes) is keyed, where it decides answers
    substitutes: str | None = unkeyed_setting(None)


register_schema("dataset", "jsonl", JsonlDatasetConfig)


@dataclass
class AcmeDatasetConfig(DatasetSettings):
    """The built-in fictional product documentation."""

    _target_: str = "harness.datasets.load_acme"
    name: str = "acme"
    corpus_revision: int = 1
    # the behaviour variant: the same questions with format, voice and fallback checks, plus
    # off-topic and competitor-bait questions (data/acme/README.md, "Behaviour variant")
    behaviour: bool = False
    # only the questions about the first N pages (and the same share of those with no gold page,
    # per split), for a quick comparison (conf/sweep/quick.yaml); the corpus stays whole, so
    # retrieval searches all pages as in the full set
    pages: int | None = None
    data_dir: str = MISSING
    # gold answer -> substitute, for strategy.context=counterfactual
    # (harness/prompts/substitutes.py); never keyed, as for jsonl
    substitutes: str | None = unkeyed_setting(None)


register_schema("dataset", "acme", AcmeDatasetConfig)


def load_jsonl(
    name: str,
    questions: str,
    corpus: str | None = None,
    needed_split: str | None = None,
    keys: tuple[str, str] = ("dataset.questions", "dataset.corpus"),
    system_prompt: str = NEUTRAL_SYSTEM_PROMPT,
    abstain_answer: str = NEUTRAL_ABSTAIN_ANSWER,
    policy: str | None = None,
) -> Dataset:
    """Load a dataset in the generic format from two JSONL files (corpus optional).

    `needed_split`, if given, must have questions; `keys` name the two file settings in error
    messages.
    """
    lines = _parse_rows(read_jsonl(Path(questions), keys[0]), questions, "question")
    documents: dict[str, tuple[int, Document]] = {}
    if corpus:
        documents = _parse_rows(read_jsonl(Path(corpus), keys[1]), corpus, "document")
        for line, question in lines.values():
            missing = [d for d in question.doc_ids if d not in documents]
            if missing:
                raise HarnessError(
                    f"{questions} line {line}: field 'doc_ids' names unknown document "
                    f"{missing[0]!r} (not in {corpus}); add it to the corpus or drop it"
                )
    dataset = Dataset(
        name=name,
        corpus=[document for _, document in documents.values()],
        questions=[question for _, question in lines.values()],
        system_prompt=system_prompt,
        abstain_answer=abstain_answer,
        policy=policy,
    )
    validate(dataset, questions_path=questions, corpus_path=corpus, needed_split=needed_split)
    return dataset


def load_acme(**settings: Any) -> Dataset:
    """The built-in fictional Acme Cloud Storage docs; revision 2 changes some facts, and
    `behaviour` loads the revision's behaviour variant of the questions.

    The settings are `AcmeDatasetConfig`'s fields, with its defaults.
    """
    config = settings_from(AcmeDatasetConfig, settings)
    data_dir, corpus_revision = config.data_dir, config.corpus_revision
    folder = Path(data_dir) / f"rev{corpus_revision}"
    if not folder.is_dir():
        revisions = sorted(p.name.removeprefix("rev") for p in Path(data_dir).glob("rev*"))
        raise HarnessError(
            f"dataset.corpus_revision={corpus_revision}: no such revision in {data_dir}; "
            f"available: {', '.join(revisions) or 'none'}"
        )
    questions = "behaviour_questions.jsonl" if config.behaviour else "questions.jsonl"
    dataset = load_jsonl(
        config.name, str(folder / questions), str(folder / "corpus.jsonl"),
        system_prompt=config.system_prompt, abstain_answer=config.abstain_answer,
        policy=config.policy,
    )  # fmt: skip
    if config.pages is None:
        return dataset
    if not 0 < config.pages <= len(dataset.corpus):
        raise HarnessError(
            f"dataset.pages={config.pages}: use a number from 1 to {len(dataset.corpus)} (the "
            f"pages of acme) or null for all"
        )
    return about_first_pages(dataset, config.pages)


def about_first_pages(dataset: Dataset, pages: int) -> Dataset:
    """The dataset with only the questions about its first `pages` documents, plus, per split,
    the same share of the questions that have no gold document (the first ones, in file order)."""
    first = {document.id for document in dataset.corpus[:pages]}
    share = pages / len(dataset.corpus)
    kept = {q.id for q in dataset.questions if q.doc_ids and set(q.doc_ids) <= first}
    for split in SPLITS:
        undocumented = [q.id for q in dataset.split(split) if not q.doc_ids]
        kept.update(undocumented[: round(share * len(undocumented))])
    return replace(dataset, questions=[q for q in dataset.questions if q.id in kept])


def build_jsonl(**settings: Any) -> Dataset:
    """Builder for `conf/dataset/jsonl.yaml`: the settings are `JsonlDatasetConfig`'s fields."""
    config = settings_from(JsonlDatasetConfig, settings)
    return load_jsonl(
        config.name, config.questions, config.corpus,
        system_prompt=config.system_prompt, abstain_answer=config.abstain_answer,
        policy=config.policy,
    )  # fmt: skip


def validate(
    dataset: Dataset, questions_path: str, corpus_path: str | None, needed_split: str | None = None
) -> None:
    """Check ids are unique, doc ids resolve and `needed_split` (if given) has questions; raise
    one clear error. Which split a run needs is the runner's to check (`check_split`)."""
    _check_unique([q.id for q in dataset.questions], questions_path, "question")
    _check_unique([d.id for d in dataset.corpus], corpus_path or "corpus", "document")
    if dataset.corpus:
        known = {d.id for d in dataset.corpus}
        for q in dataset.questions:
            missing = [d for d in q.doc_ids if d not in known]
            if missing:
                raise HarnessError(
                    f"{questions_path}: question {q.id!r} field 'doc_ids' names unknown "
                    f"document {missing[0]!r}; add it to the corpus or drop it from doc_ids"
                )
    if needed_split is not None:
        check_split(dataset, needed_split, questions_path)


def check_split(dataset: Dataset, split: str, where: str) -> list[Question]:
    """The questions of `split`; a one-line error if there are none, a warning if none is
    answerable (answerable accuracy is then n/a)."""
    needed = dataset.split(split)
    if not needed:
        raise HarnessError(
            f"{where}: no question has split {split!r}; mark the questions to use with "
            f'"split": "{split}", or choose another run.split'
        )
    if not any(q.answerable for q in needed):
        log.warning(
            "%s: all %d %r questions are unanswerable (empty answers): answerable accuracy will "
            "be n/a and only abstention is measured",
            where, len(needed), split,
        )  # fmt: skip
    return needed


def _parse_question(row: dict[str, Any], path: str, line: int) -> Question:
    where = f"{path} line {line}"
    question_id = text_field(row, "id", where, "give every question an id")
    text = text_field(row, "question", where, "give the question some text")
    split = field(row, "split", str, where)
    if split not in SPLITS:
        raise HarnessError(f"{where}: field 'split' is {split!r}; use one of {', '.join(SPLITS)}")
    answers = gold_answers(row, where)
    doc_ids = string_list(row, "doc_ids", where, required=False)
    checks = parse_checks(row["checks"], where) if "checks" in row else ()
    reference = field(row, "reference", str, where, required=False)
    if reference is not None and not reference.strip():
        raise HarnessError(f"{where}: field 'reference' is empty; give the reply or drop the field")
    return Question(question_id, text, answers, split, doc_ids, checks, reference)


def gold_answers(row: dict[str, Any], where: str) -> tuple[str, ...]:
    """A row's `answers` field: a list of strings the scorer can match (empty: unanswerable)."""
    answers = string_list(row, "answers", where, required=True)
    for answer in answers:
        if not words(answer):
            raise HarnessError(
                f"{where}: field 'answers' holds {answer!r}, which scoring reduces to nothing "
                "(it drops case and punctuation); give the answer's words or number"
            )
    return answers


def _parse_document(row: dict[str, Any], path: str, line: int) -> Document:
    where = f"{path} line {line}"
    doc_id = text_field(row, "id", where, "give every document an id")
    title = field(row, "title", str, where, required=False) or ""
    text = field(row, "text", str, where, max_chars=MAX_DOCUMENT_CHARS)
    if not text.strip():
        raise HarnessError(f"{where}: field 'text' is empty; give the document some text")
    return Document(doc_id, title, text)


def _parse_rows(
    rows: list[tuple[int, dict[str, Any]]], path: str, kind: str
) -> dict[str, tuple[int, Any]]:
    """Questions or documents by id, each with its line; a repeated id is an error."""
    parse, fields = (
        (_parse_question, QUESTION_FIELDS)
        if kind == "question"
        else (_parse_document, DOCUMENT_FIELDS)
    )
    parsed: dict[str, tuple[int, Any]] = {}
    for line, row in rows:
        item = parse(row, path, line)
        if item.id in parsed:
            raise HarnessError(
                f"{path} line {line}: field 'id' is a duplicate {kind} id {item.id!r} (first on "
                f"line {parsed[item.id][0]}); ids must be unique"
            )
        parsed[item.id] = (line, item)
    warn_unknown_fields(rows, fields, path)
    return parsed


def _check_unique(ids: list[str], path: str, kind: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise HarnessError(f"{path}: duplicate {kind} id {item!r}; ids must be unique")
        seen.add(item)
