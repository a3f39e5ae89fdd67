"""`dataset=hf`: any dataset `datasets.load_dataset` can read, mapped onto the generic schema."""

from __future__ import annotations

from harness.datasets import (
    NEUTRAL_ABSTAIN_ANSWER,
    NEUTRAL_SYSTEM_PROMPT,
    Dataset,
    Document,
    Question,
    validate,
)


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
    system_prompt: str = NEUTRAL_SYSTEM_PROMPT,
    abstain_answer: str = NEUTRAL_ABSTAIN_ANSWER,
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
    dataset = Dataset(name, list(documents.values()), questions, system_prompt, abstain_answer)
    validate(dataset, questions_path=path, corpus_path=None)
    return dataset
