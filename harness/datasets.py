"""Datasets in one generic on-disk format, and the builders that load them.

`corpus.jsonl` rows: {"id", "title", "text"}.
`questions.jsonl` rows: {"id", "question", "answers": [...], "split": "train"|"test",
"doc_ids": [...] (optional)}. An empty `answers` list marks a question the documents cannot
answer: the right behaviour is to abstain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import HarnessError

SPLITS = ("train", "test")


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


@dataclass
class Dataset:
    """A named corpus plus questions split into train and test."""

    name: str
    corpus: list[Document]
    questions: list[Question]

    def split(self, name: str) -> list[Question]:
        """The questions of one split, in file order."""
        return [q for q in self.questions if q.split == name]


def load_jsonl(
    name: str,
    questions: str,
    corpus: str | None = None,
    needed_split: str = "test",
    keys: tuple[str, str] = ("dataset.questions", "dataset.corpus"),
) -> Dataset:
    """Load a dataset in the generic format from two JSONL files (corpus optional).

    `needed_split` must have questions; `keys` name the two file settings in error messages.
    """
    question_rows = _read_jsonl(Path(questions), keys[0])
    loaded = [_parse_question(row, questions, line) for line, row in question_rows]
    documents: list[Document] = []
    if corpus:
        corpus_rows = _read_jsonl(Path(corpus), keys[1])
        documents = [_parse_document(row, corpus, line) for line, row in corpus_rows]
    dataset = Dataset(name=name, corpus=documents, questions=loaded)
    validate(dataset, questions_path=questions, corpus_path=corpus, needed_split=needed_split)
    return dataset


def load_acme(data_dir: str, corpus_revision: int = 1, name: str = "acme") -> Dataset:
    """The built-in fictional Acme Cloud Storage docs; revision 2 changes some facts."""
    folder = Path(data_dir) / f"rev{corpus_revision}"
    if not folder.is_dir():
        revisions = sorted(p.name.removeprefix("rev") for p in Path(data_dir).glob("rev*"))
        raise HarnessError(
            f"dataset.corpus_revision={corpus_revision}: no such revision in {data_dir}; "
            f"available: {', '.join(revisions) or 'none'}"
        )
    return load_jsonl(name, str(folder / "questions.jsonl"), str(folder / "corpus.jsonl"))


def load_hf(
    name: str,
    path: str,
    config_name: str | None = None,
    data_files: dict[str, str] | None = None,
    splits: dict[str, str] | None = None,
    id_column: str = "id",
    question_column: str = "question",
    answers_column: str = "answers",
    context_column: str | None = "context",
    title_column: str | None = "title",
) -> Dataset:
    """Map a `datasets.load_dataset` dataset onto the generic schema (a hub id needs a network).

    `splits` maps our split names to the source's, e.g. {"train": "train", "test": "validation"}.
    Answers may be a list of strings or SQuAD-style {"text": [...]}; contexts become the corpus,
    one document per distinct context.
    """
    import datasets

    splits = dict(splits or {"train": "train", "test": "validation"})
    questions: list[Question] = []
    documents: dict[str, Document] = {}  # keyed by context text
    for our_split, source_split in splits.items():
        rows = datasets.load_dataset(path, config_name, data_files=data_files, split=source_split)
        for row in rows:
            answers = row[answers_column]
            if isinstance(answers, dict):
                answers = answers.get("text", [])
            doc_ids: tuple[str, ...] = ()
            if context_column:
                context = row[context_column]
                if context not in documents:
                    title = str(row[title_column]) if title_column else ""
                    documents[context] = Document(f"doc-{len(documents):06d}", title, context)
                doc_ids = (documents[context].id,)
            question = Question(
                str(row[id_column]), row[question_column], tuple(answers), our_split, doc_ids
            )
            questions.append(question)
    dataset = Dataset(name=name, corpus=list(documents.values()), questions=questions)
    validate(dataset, questions_path=path, corpus_path=None)
    return dataset


def validate(
    dataset: Dataset, questions_path: str, corpus_path: str | None, needed_split: str = "test"
) -> None:
    """Check ids are unique, doc ids resolve and `needed_split` exists; raise one clear error."""
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
    if not dataset.split(needed_split):
        raise HarnessError(
            f"{questions_path}: no question has split {needed_split!r}; mark the questions "
            f'to use with "split": "{needed_split}"'
        )


def _read_jsonl(path: Path, config_key: str) -> list[tuple[int, dict[str, Any]]]:
    if not path.is_file():
        raise HarnessError(f"{config_key}: file not found: {path} (set {config_key}=<path>)")
    rows = []
    with path.open("rb") as handle:
        for line_number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8").strip()
            except UnicodeDecodeError as error:
                raise HarnessError(
                    f"{path} line {line_number}: not UTF-8 ({error.reason})"
                ) from None
            if not text:
                continue
            try:
                row = json.loads(text)
            except json.JSONDecodeError as error:
                raise HarnessError(
                    f"{path} line {line_number}: invalid JSON ({error.msg})"
                ) from None
            if not isinstance(row, dict):
                raise HarnessError(f"{path} line {line_number}: expected a JSON object")
            rows.append((line_number, row))
    if not rows:
        raise HarnessError(f"{config_key}: {path} holds no rows")
    return rows


def _field(
    row: dict[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    where: str,
    required: bool = True,
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
    return value


def _string_list(row: dict[str, Any], key: str, where: str, required: bool) -> tuple[str, ...]:
    values = _field(row, key, list, where, required) or []
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise HarnessError(f"{where}: field {key!r} must be a list of non-empty strings")
    return tuple(values)


def _parse_question(row: dict[str, Any], path: str, line: int) -> Question:
    where = f"{path} line {line}"
    question_id = str(_field(row, "id", (str, int), where))
    text = _field(row, "question", str, where)
    if not text.strip():
        raise HarnessError(f"{where}: field 'question' is empty")
    split = _field(row, "split", str, where)
    if split not in SPLITS:
        raise HarnessError(f"{where}: field 'split' is {split!r}; use one of {', '.join(SPLITS)}")
    answers = _string_list(row, "answers", where, required=True)
    doc_ids = _string_list(row, "doc_ids", where, required=False)
    return Question(question_id, text, answers, split, doc_ids)


def _parse_document(row: dict[str, Any], path: str, line: int) -> Document:
    where = f"{path} line {line}"
    doc_id = str(_field(row, "id", (str, int), where))
    title = _field(row, "title", str, where, required=False) or ""
    text = _field(row, "text", str, where)
    if not text.strip():
        raise HarnessError(f"{where}: field 'text' is empty; give the document some text")
    return Document(doc_id, title, text)


def _check_unique(ids: list[str], path: str, kind: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise HarnessError(f"{path}: duplicate {kind} id {item!r}; ids must be unique")
        seen.add(item)
