"""Recall@k and MRR of each `strategy.retriever` on a dataset's test split, without generating.

    python -m benchmarks.retriever_recall                       # acme, rag's default chunking
    python -m benchmarks.retriever_recall dataset=jsonl dataset.questions=Q dataset.corpus=C

Arguments are config overrides, as for `python -m harness`. Only questions with gold `doc_ids`
count. "better/worse" count the questions whose recall@k beats or trails dense's at the same k.
Indexes come from (and go to) the usual caches, so a second call embeds nothing.
"""

from __future__ import annotations

import sys
from statistics import mean

from tabulate import tabulate

from harness.config import instantiate, register_configs
from harness.errors import HarnessError
from harness.retrieval.dense import ranked_doc_ids, recall_at_k, reciprocal_rank
from harness.retrieval.embedders import load_embedder
from harness.retrieval.retrievers import RETRIEVERS, load_retriever

TOP_KS = (1, 2, 3, 5)


def recall_table(overrides: list[str]) -> tuple[str, list[list[object]]]:
    """A heading naming the data, and one row per retriever and k."""
    from hydra import compose, initialize_config_dir

    from harness.config import CONF_DIR

    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["strategy=rag", *overrides])
    dataset = instantiate(cfg.dataset)
    questions = [q for q in dataset.split("test") if q.doc_ids]
    if not questions:
        raise HarnessError("no test question has doc_ids; recall needs gold documents")
    s = cfg.strategy
    embedder = load_embedder(s.embedder, s.trust_remote_code, s.embedder_device)
    texts = [q.question for q in questions]
    rows: list[list[object]] = []
    dense_recall: dict[int, list[float]] = {}
    for kind in RETRIEVERS:
        retriever = load_retriever(
            kind, dataset.corpus, embedder, s.index, s.chunk_size, s.chunk_overlap, s.cache_dir,
            s.embed_batch_size, s.rrf_k,
        )  # fmt: skip
        for k in TOP_KS:
            ranked = [ranked_doc_ids(hits) for hits in retriever.search(texts, k)]
            recall = [
                recall_at_k(r, q.doc_ids) or 0.0 for r, q in zip(ranked, questions, strict=True)
            ]
            ranks = [
                reciprocal_rank(r, q.doc_ids) or 0.0 for r, q in zip(ranked, questions, strict=True)
            ]
            base = dense_recall.setdefault(k, recall)
            better = sum(a > b for a, b in zip(recall, base, strict=True))
            worse = sum(a < b for a, b in zip(recall, base, strict=True))
            rows.append([kind, k, mean(recall), mean(ranks), better, worse])
    heading = (
        f"{cfg.dataset.name}: {len(questions)} test questions with gold documents, "
        f"{len(dataset.corpus)} documents, chunks {s.chunk_size}/{s.chunk_overlap} tokens"
    )
    return heading, rows


def main(argv: list[str]) -> None:
    """Print the table as Markdown."""
    try:
        heading, rows = recall_table(argv)
    except HarnessError as error:
        sys.exit(f"error: {error}")
    print(heading)
    headers = ["retriever", "k", "recall@k", "MRR@k", "better than dense", "worse than dense"]
    print(tabulate(rows, headers=headers, tablefmt="github", floatfmt=".3f"))


if __name__ == "__main__":
    main(sys.argv[1:])
