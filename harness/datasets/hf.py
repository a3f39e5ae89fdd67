"""`dataset=hf`: any dataset `datasets.load_dataset` can read, mapped onto the generic schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

from harness.config import settings_from
from harness.datasets import (
    Dataset,
    DatasetSettings,
    Document,
    Question,
    validate,
)
from harness.plugins import register_schema


@dataclass
class HfDatasetConfig(DatasetSettings):
    """The schema of `conf/dataset/hf.yaml`, and the one place its defaults live."""

    _target_: str = "harness.datasets.hf.load_hf"
    name: str = "hf"
    path: str = MISSING  # a hub id (needs a network), or a builder name such as json
    config_name: str | None = None
    # local files instead of a hub id, e.g. {train: a.json, validation: b.json} with path=json
    data_files: dict[str, str] | None = None
    # our split -> the source's
    splits: dict[str, str] = field(default_factory=lambda: {"train": "train", "test": "validation"})
    id_column: str = "id"
    question_column: str = "question"
    answers_column: str = "answers"  # a list of strings, or SQuAD-style {"text": [...]}
    context_column: str | None = "context"  # each distinct context becomes a document
    title_column: str | None = "title"


register_schema("dataset", "hf", HfDatasetConfig)


def load_hf(name: str, path: str, **settings: Any) -> Dataset:
    """Map a `datasets.load_dataset` dataset onto the generic schema (a hub id needs a network).

    The settings are `HfDatasetConfig`'s fields, with its defaults. Answers may be a list of
    strings or SQuAD-style {"text": [...]}; contexts become the corpus, one document per distinct
    context.
    """
    import datasets

    config = settings_from(HfDatasetConfig, {"name": name, "path": path, **settings})
    splits = dict(config.splits)
    questions: list[Question] = []
    documents: dict[str, Document] = {}  # keyed by context text
    for our_split, source_split in splits.items():
        rows = datasets.load_dataset(
            path, config.config_name, data_files=config.data_files, split=source_split
        )
        for row in rows:
            answers = row[config.answers_column]
            if isinstance(answers, dict):
                answers = answers.get("text", [])
            doc_ids: tuple[str, ...] = ()
            if config.context_column:
                context = row[config.context_column]
                if context not in documents:
                    title = str(row[config.title_column]) if config.title_column else ""
                    documents[context] = Document(f"doc-{len(documents):06d}", title, context)
                doc_ids = (documents[context].id,)
            question = Question(
                str(row[config.id_column]),
                row[config.question_column],
                tuple(answers),
                our_split,
                doc_ids,
            )
            questions.append(question)
    dataset = Dataset(
        name, list(documents.values()), questions, config.system_prompt, config.abstain_answer,
        config.policy,
    )  # fmt: skip
    validate(dataset, questions_path=path, corpus_path=None)
    return dataset
