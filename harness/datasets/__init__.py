"""Datasets in one generic on-disk format, and the builders that load them.

`corpus.jsonl` rows: {"id", "title" (optional), "text"}.
`questions.jsonl` rows: {"id", "question", "answers": [...], "split": "train"|"test",
"doc_ids": [...] (optional)}. An empty `answers` list marks a question the documents cannot
answer: the right behaviour is to abstain.

Loading is strict: a row that cannot be used stops the load with one line naming the file, the line
and the field (bad JSON or UTF-8, a missing, empty, mistyped or over-long field, a repeated id, an
unknown split or gold document, an answer that scoring reduces to nothing). Blank lines are
skipped. Fields the format does not know are ignored with one warning per file that names them and
counts their rows (a misspelt `doc_ids` would otherwise lose retrieval recall unnoticed). A split
whose questions are all unanswerable loads with a warning: answerable accuracy will be n/a.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import MISSING

from harness.errors import HarnessError
from harness.scoring.correctness import words

log = logging.getLogger(__name__)

SPLITS = ("train", "test")
QUESTION_FIELDS = ("id", "question", "answers", "split", "doc_ids")
DOCUMENT_FIELDS = ("id", "title", "text")
# Longest string accepted in any field but a document's text (which is chunked): about 5,000
# tokens, more than a small model's prompt can hold next to its instructions.
MAX_CHARS = 20_000
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

    def split(self, name: str) -> list[Question]:
        """The questions of one split, in file order."""
        return [q for q in self.questions if q.split == name]


@dataclass
class JsonlDatasetConfig:
    """Any dataset in the generic JSONL format."""

    _target_: str = "harness.datasets.load_jsonl"
    name: str = "jsonl"
    questions: str = MISSING
    corpus: str | None = None
    system_prompt: str = NEUTRAL_SYSTEM_PROMPT  # the prompt strategies use for this dataset
    abstain_answer: str = NEUTRAL_ABSTAIN_ANSWER


@dataclass
class AcmeDatasetConfig:
    """The built-in fictional product documentation."""

    _target_: str = "harness.datasets.load_acme"
    name: str = "acme"
    corpus_revision: int = 1
    data_dir: str = MISSING
    system_prompt: str = NEUTRAL_SYSTEM_PROMPT
    abstain_answer: str = NEUTRAL_ABSTAIN_ANSWER


def load_jsonl(
    name: str,
    questions: str,
    corpus: str | None = None,
    needed_split: str | None = None,
    keys: tuple[str, str] = ("dataset.questions", "dataset.corpus"),
    system_prompt: str = NEUTRAL_SYSTEM_PROMPT,
    abstain_answer: str = NEUTRAL_ABSTAIN_ANSWER,
) -> Dataset:
    """Load a dataset in the generic format from two JSONL files (corpus optional).

    `needed_split`, if given, must have questions; `keys` name the two file settings in error
    messages.
    """
    lines = _parse_rows(_read_jsonl(Path(questions), keys[0]), questions, "question")
    documents: dict[str, tuple[int, Document]] = {}
    if corpus:
        documents = _parse_rows(_read_jsonl(Path(corpus), keys[1]), corpus, "document")
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
    )
    validate(dataset, questions_path=questions, corpus_path=corpus, needed_split=needed_split)
    return dataset


def load_acme(
    data_dir: str,
    corpus_revision: int = 1,
    name: str = "acme",
    system_prompt: str = NEUTRAL_SYSTEM_PROMPT,
    abstain_answer: str = NEUTRAL_ABSTAIN_ANSWER,
) -> Dataset:
    """The built-in fictional Acme Cloud Storage docs; revision 2 changes some facts."""
    folder = Path(data_dir) / f"rev{corpus_revision}"
    if not folder.is_dir():
        revisions = sorted(p.name.removeprefix("rev") for p in Path(data_dir).glob("rev*"))
        raise HarnessError(
            f"dataset.corpus_revision={corpus_revision}: no such revision in {data_dir}; "
            f"available: {', '.join(revisions) or 'none'}"
        )
    return load_jsonl(
        name, str(folder / "questions.jsonl"), str(folder / "corpus.jsonl"),
        system_prompt=system_prompt, abstain_answer=abstain_answer,
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


def _read_jsonl(path: Path, config_key: str) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; any unreadable line is a one-line error."""
    if not path.is_file():
        raise HarnessError(f"{config_key}: file not found: {path} (set {config_key}=<path>)")
    rows = []
    try:
        handle = path.open("rb")
    except OSError as error:
        raise HarnessError(f"{config_key}: cannot read {path} ({error.strerror})") from None
    with handle:
        for line_number, raw in enumerate(handle, start=1):
            where = f"{path} line {line_number}"
            try:
                text = raw.decode("utf-8").strip()
            except UnicodeDecodeError as error:
                raise HarnessError(
                    f"{where}: not UTF-8 ({error.reason} at byte {error.start + 1}); "
                    "save the file as UTF-8"
                ) from None
            if line_number == 1:
                text = text.removeprefix("\ufeff")  # a byte-order mark some editors write
            if not text:
                continue
            try:
                row = json.loads(text, object_pairs_hook=_unique_keys)
            except _RepeatedKey as error:
                raise HarnessError(f"{where}: field {error.key!r} appears twice") from None
            except json.JSONDecodeError as error:
                raise HarnessError(f"{where}: invalid JSON ({error.msg})") from None
            except (ValueError, RecursionError) as error:  # e.g. nesting or integers too large
                reason = "nested too deeply" if isinstance(error, RecursionError) else error
                raise HarnessError(f"{where}: invalid JSON ({reason})") from None
            if not isinstance(row, dict):
                raise HarnessError(f"{where}: expected a JSON object, got {type(row).__name__}")
            rows.append((line_number, row))
    if not rows:
        raise HarnessError(f"{config_key}: {path} holds no rows")
    return rows


class _RepeatedKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict, refusing a key given twice (json keeps the last one silently)."""
    row: dict[str, Any] = {}
    for key, value in pairs:
        if key in row:
            raise _RepeatedKey(key)
        row[key] = value
    return row


def _field(
    row: dict[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    where: str,
    required: bool = True,
    max_chars: int | None = MAX_CHARS,
) -> Any:
    if key not in row:
        if required:
            raise HarnessError(f"{where}: missing field {key!r}")
        return None
    value = row[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        expected = " or ".join(k.__name__ for k in kinds)
        raise HarnessError(f"{where}: field {key!r} must be {expected}, got {type(value).__name__}")
    if isinstance(value, str):
        _check_encodable(value, key, where)
        if max_chars is not None:
            _check_length(value, key, where, max_chars)
    return value


def _text(row: dict[str, Any], key: str, where: str, fix: str) -> str:
    """A required, non-blank string field."""
    value = str(_field(row, key, (str, int) if key == "id" else str, where))
    if not value.strip():
        raise HarnessError(f"{where}: field {key!r} is empty; {fix}")
    return value


def _check_encodable(value: str, key: str, where: str) -> None:
    """A lone surrogate ("\\ud800") reads from JSON but cannot be written back out as UTF-8."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise HarnessError(
            f"{where}: field {key!r} holds {value[error.start]!r}, half of a surrogate pair, which "
            "is not text; fix the string's escape sequences"
        ) from None


def _check_length(value: str, key: str, where: str, max_chars: int = MAX_CHARS) -> None:
    if len(value) > max_chars:
        raise HarnessError(
            f"{where}: field {key!r} is {len(value):,} characters long; the limit is "
            f"{max_chars:,} (shorten it, split it into several rows, or drop the row)"
        )


def _string_list(row: dict[str, Any], key: str, where: str, required: bool) -> tuple[str, ...]:
    values = _field(row, key, list, where, required) or []
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise HarnessError(f"{where}: field {key!r} must be a list of non-empty strings")
    for value in values:
        _check_encodable(value, key, where)
        _check_length(value, key, where)
    return tuple(values)


def _parse_question(row: dict[str, Any], path: str, line: int) -> Question:
    where = f"{path} line {line}"
    question_id = _text(row, "id", where, "give every question an id")
    text = _text(row, "question", where, "give the question some text")
    split = _field(row, "split", str, where)
    if split not in SPLITS:
        raise HarnessError(f"{where}: field 'split' is {split!r}; use one of {', '.join(SPLITS)}")
    answers = gold_answers(row, where)
    doc_ids = _string_list(row, "doc_ids", where, required=False)
    return Question(question_id, text, answers, split, doc_ids)


def gold_answers(row: dict[str, Any], where: str) -> tuple[str, ...]:
    """A row's `answers` field: a list of strings the scorer can match (empty: unanswerable)."""
    answers = _string_list(row, "answers", where, required=True)
    for answer in answers:
        if not words(answer):
            raise HarnessError(
                f"{where}: field 'answers' holds {answer!r}, which scoring reduces to nothing "
                "(it drops case and punctuation); give the answer's words or number"
            )
    return answers


def _parse_document(row: dict[str, Any], path: str, line: int) -> Document:
    where = f"{path} line {line}"
    doc_id = _text(row, "id", where, "give every document an id")
    title = _field(row, "title", str, where, required=False) or ""
    text = _field(row, "text", str, where, max_chars=MAX_DOCUMENT_CHARS)
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
    _warn_unknown_fields(rows, fields, path)
    return parsed


def _warn_unknown_fields(
    rows: list[tuple[int, dict[str, Any]]], known: tuple[str, ...], path: str
) -> None:
    """One warning per file for fields the format ignores: a misspelling would go unnoticed."""
    unknown = Counter(key for _, row in rows for key in row if key not in known)
    if unknown:
        first = next(line for line, row in rows if any(key not in known for key in row))
        names = ", ".join(f"{key!r} ({count} rows)" for key, count in sorted(unknown.items()))
        log.warning(
            "%s: ignored unknown fields %s, first on line %d; the format's fields are %s",
            path, names, first, ", ".join(known),
        )  # fmt: skip


def _check_unique(ids: list[str], path: str, kind: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise HarnessError(f"{path}: duplicate {kind} id {item!r}; ids must be unique")
        seen.add(item)
