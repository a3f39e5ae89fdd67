"""Checks that a question really asks for its answer (answer_first and template modes).

After a question is phrased without its answer (`questions.question_problem`) and duplicates are
merged (`checks.merge_duplicates`), each question must pass, in this order:

- retrieval: the dense retriever over the corpus sections (the run's embedder, one chunk per
  section, the index cached as the strategies cache theirs) finds the question's own section
  within its `generate.check_top_k` best; else `evidence_not_retrieved`;
- the reader: a chat model (`generate.reader`: the generating model by default) is shown the
  section (`generate.reader_prompt`) and the question, and its reply is judged against the gold
  answer by the harness's own scorer (`harness.scoring.judge`, the rules of the config's
  `scoring` node, no model judge); a reply not judged correct is `reader_<outcome>`
  (`reader_wrong`, `reader_abstained`, `reader_empty`).

Each paraphrase meets the same two checks after its own (`checks.paraphrase_problem`), its
reasons prefixed `paraphrase_`. The reader's replies go through the run's cache like every other
reply, so a run started again makes no new calls for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness.datasets import Document
from harness.generate.checks import Fact
from harness.generate.records import Section, Tally
from harness.generate.replies import Asker
from harness.models import Conversation
from harness.retrieval.embedders import Embedder
from harness.scoring import ScoringRules, judge

if TYPE_CHECKING:  # the retrievers import faiss: loaded where a retriever is built
    from harness.retrieval.retrievers import Searcher


@dataclass
class Reader:
    """The model that answers each question from its section, and how its replies are judged."""

    asker: Asker
    rules: ScoringRules
    prompt: str  # `generate.reader_prompt`: {title}, {text} and {question}


def section_retriever(sections: Sequence[Section], embedder: Embedder, cache_dir: Path) -> Searcher:
    """The dense retriever over the sections, one chunk each, its index cached."""
    from harness.retrieval.dense import load_or_build

    corpus = [Document(s.id, s.title, s.text) for s in sections]
    return load_or_build(corpus, embedder, index="Flat", chunk_size=None, chunk_overlap=0,
                         cache_dir=str(cache_dir))  # fmt: skip


def reader_conversation(section: Section, question: str, prompt: str) -> Conversation:
    """The reader's request: the section and the question, as `prompt` places them."""
    text = prompt.format(title=section.title or section.id, text=section.text, question=question)
    return [{"role": "user", "content": text}]


@dataclass(frozen=True)
class Checks:
    """What a question or a paraphrase is checked against: its section must be among the
    retriever's `top_k` for it, and the reader (if any), shown the section, must answer the gold."""

    sections: dict[str, Section]
    retriever: Searcher
    reader: Reader | None
    top_k: int

    def problems(self, asked: Sequence[tuple[Fact, str]]) -> list[str | None]:
        """The first check each (fact, phrasing) fails, or None: retrieval, then the reader."""
        if not asked:
            return []
        hits = self.retriever.search([question for _, question in asked], self.top_k)
        found: list[str | None] = [
            None if fact.section_id in {h.chunk.doc_id for h in hit} else "evidence_not_retrieved"
            for (fact, _), hit in zip(asked, hits, strict=True)
        ]
        to_read = [i for i, problem in enumerate(found) if problem is None]
        reader = self.reader
        if reader is None or not to_read:
            return found
        conversations = [
            reader_conversation(self.sections[asked[i][0].section_id], asked[i][1], reader.prompt)
            for i in to_read
        ]
        replies = reader.asker.ask(conversations, "reader")
        for index, reply in zip(to_read, replies, strict=True):
            fact, question = asked[index]
            verdict = judge(reply.text, [fact.answer], question, reader.rules)
            if not verdict.correct:
                found[index] = f"reader_{verdict.outcome}"
        return found


def verify_facts(facts: list[Fact], checks: Checks, tally: Tally) -> list[Fact]:
    """The facts whose question passes retrieval and the reader; each failure counted."""
    found = checks.problems([(f, f.question) for f in facts])
    kept = []
    for fact, problem in zip(facts, found, strict=True):
        if problem:
            tally.rejected[problem] += 1
        else:
            kept.append(fact)
    tally.counts["facts_retrieved"] = sum(p is None or p.startswith("reader_") for p in found)
    if checks.reader is not None:  # no reader, no reader row in the yield table
        tally.counts["facts_read"] = len(kept)
    return kept


def verify_paraphrases(facts: list[Fact], checks: Checks, tally: Tally) -> None:
    """Drop from each fact the paraphrases that fail retrieval or the reader; count each."""
    found = iter(checks.problems([(f, p) for f in facts for p in f.paraphrases]))
    for fact in facts:
        kept = []
        for paraphrase in fact.paraphrases:
            if problem := next(found):
                tally.rejected[f"paraphrase_{problem}"] += 1
            else:
                kept.append(paraphrase)
        fact.paraphrases = kept
    tally.counts["paraphrases_kept"] = sum(len(f.paraphrases) for f in facts)
