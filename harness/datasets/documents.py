"""`dataset=documents dataset.path=OUT`: an ingested folder (OUT/corpus.jsonl beside the
OUT/questions.jsonl that `python -m harness.generate` writes) or a folder of documents itself,
read in memory on every run with the same ids the ingest CLI gives."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import MISSING

from harness.config import settings_from
from harness.datasets import (
    Dataset,
    DatasetSettings,
    Document,
    load_jsonl,
    validate,
)
from harness.errors import HarnessError
from harness.ingest import (
    CORPUS_FILE,
    DEFAULT_MAX_MB,
    DEFAULT_SECTION_CHARS,
    check_settings,
    ingest,
)
from harness.plugins import register_schema

QUESTIONS_FILE = "questions.jsonl"


@dataclass
class DocumentsDatasetConfig(DatasetSettings):
    """Your own documents, ingested (`python -m harness.ingest`) or as a folder."""

    _target_: str = "harness.datasets.documents.build_documents"
    name: str = "documents"
    path: str = MISSING  # OUT of the ingest, or the folder of documents
    questions: str | None = None  # default: <path>/questions.jsonl
    max_mb: float = DEFAULT_MAX_MB  # the ingest settings, used when `path` holds no corpus.jsonl
    max_section_chars: int = DEFAULT_SECTION_CHARS


register_schema("dataset", "documents", DocumentsDatasetConfig)


def build_documents(**settings: Any) -> Dataset:
    """Builder for `conf/dataset/documents.yaml`: the settings are `DocumentsDatasetConfig`'s."""
    config = settings_from(DocumentsDatasetConfig, settings)
    folder = Path(config.path)
    if not folder.is_dir():
        raise HarnessError(
            f"dataset.path={config.path}: no such folder; give the OUT of python -m "
            "harness.ingest (or the folder of documents)"
        )
    questions = config.questions or str(folder / QUESTIONS_FILE)
    if not Path(questions).is_file():
        raise HarnessError(
            f"dataset.questions: no questions file at {questions}; write one with python -m "
            "harness.generate, or set dataset.questions=<file>"
        )
    prompts = {"system_prompt": config.system_prompt, "abstain_answer": config.abstain_answer,
               "policy": config.policy}  # fmt: skip
    corpus = folder / CORPUS_FILE
    if corpus.is_file():
        keys = ("dataset.questions", "dataset.path")
        return load_jsonl(config.name, questions, str(corpus), keys=keys, **prompts)
    check_settings(config.max_mb, config.max_section_chars,
                   ("dataset.max_mb", "dataset.max_section_chars"))  # fmt: skip
    ingested = ingest(folder, config.max_mb, config.max_section_chars, progress=False)
    if not ingested.sections:
        raise HarnessError(f"dataset.path={config.path}: no readable document in the folder")
    dataset = load_jsonl(config.name, questions, None, **prompts)
    dataset.corpus = [Document(s.id, s.title, s.text) for s in ingested.sections]
    validate(dataset, questions_path=questions, corpus_path=str(folder))
    return dataset
