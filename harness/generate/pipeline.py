"""Corpus sections -> checked facts, paraphrases and unanswerable questions -> a QA dataset.

The order: estimate and check the limits; get each section's facts (answer_first: answers in
code, questions by the model, `questions`; template: questions by rules, `template`; fact_first:
whole facts by the model, checked against the section by `checks.fact_problem`); merge
duplicates; answer_first and template: check that each question asks for its answer
(`verify`: retrieval, the reader); cap each document; ask each kept fact for paraphrases (checked
the same way); ask each section for unanswerable questions and check them by retrieval
(`unanswerable_problem`); split by fact and write the files (`output`). Template mode asks no
model for questions, paraphrases or unanswerable ones: only the reader reads.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from harness.costs import Pricing
from harness.datasets.jsonl_file import field as json_field
from harness.datasets.jsonl_file import read_jsonl, text_field
from harness.errors import HarnessError
from harness.generate import output
from harness.generate.candidates import candidates
from harness.generate.checks import (
    Fact,
    fact_problem,
    merge_duplicates,
    occurs,
    paraphrase_problem,
    spread_over_documents,
)
from harness.generate.estimate import Estimate, check_limits, estimate
from harness.generate.questions import ask_questions, first_requests, question_string
from harness.generate.records import Section, Tally, Unanswerable
from harness.generate.replies import (
    Asker,
    array_schema,
    object_schema,
    parse_objects,
    parse_strings,
    string_schema,
)
from harness.generate.settings import GenerateSettings
from harness.generate.template import template_questions
from harness.generate.verify import (
    Checks,
    Reader,
    reader_conversation,
    section_retriever,
    verify_facts,
    verify_paraphrases,
)
from harness.models import ChatModel, Conversation
from harness.models.constrained import Schema, schema_key
from harness.retrieval.embedders import Embedder

log = logging.getLogger(__name__)


def generate(
    corpus_path: Path,
    out_dir: Path,
    model: ChatModel,
    asker: Asker,
    pricing: Pricing,
    settings: GenerateSettings,
    embedder: Embedder,
    cache_dir: Path,
    reader: Reader | None = None,
) -> dict[str, Any]:
    """Generate `out_dir/questions.jsonl` (+ facts.jsonl, generation.json) from a corpus;
    `reader` answers the questions of answer_first and template runs (None: not checked)."""
    sections = read_sections(corpus_path, settings.document_separator)
    tally = Tally()
    tally.counts["sections"] = len(sections)
    fitting = [s for s in sections if _fits(model, fact_conversation(s, settings), settings)]
    tally.rejected["section_too_long"] = len(sections) - len(fitting)
    plan = plan_run(fitting, model, asker, pricing, settings, reader is not None)
    for line in plan.lines():
        print(line, flush=True)  # seen before the first call, also when piped
    check_limits(plan, settings.max_calls, settings.max_cost_usd)

    if settings.mode == "answer_first":
        facts = ask_questions(fitting, asker, settings, tally)
    elif settings.mode == "template":
        facts = template_questions(fitting, settings, tally)
    else:
        facts = ask_facts(fitting, asker, settings, tally)
    facts = merge_duplicates(facts, embedder, settings.duplicate_threshold, tally.rejected)
    tally.counts["facts_after_merge"] = len(facts)
    checked, by_id = settings.mode != "fact_first", {s.id: s for s in sections}
    retriever = section_retriever(sections, embedder, cache_dir) if checked and facts else None
    checks = None if retriever is None else Checks(by_id, retriever, reader, settings.check_top_k)
    if checks is not None:
        facts = verify_facts(facts, checks, tally)
    facts = spread_over_documents(facts, settings.max_facts_per_document, tally.rejected)
    tally.counts["facts_kept"] = len(facts)
    writing = settings.mode != "template"  # template mode has no model to write with
    if writing:
        ask_paraphrases(facts, asker, settings, tally)
    if checks is not None:
        verify_paraphrases(facts, checks, tally)
    unanswerable = ask_unanswerable(fitting, asker, settings, tally) if writing else []
    unanswerable = check_unanswerable(unanswerable, sections, facts, embedder, settings,
                                      cache_dir, tally)  # fmt: skip
    rows = output.split_rows(facts, unanswerable, settings.test_fraction, settings.seed)
    report = output.write(out_dir, rows, facts, unanswerable, tally, plan, asker.usage, pricing,
                          model.name, settings)  # fmt: skip
    print(output.yield_table(report))
    if not rows:
        raise HarnessError(nothing_kept(report, out_dir))
    return report


def nothing_kept(report: dict[str, Any], out_dir: Path) -> str:
    """The error for a run whose every reply was unusable: what went wrong most, and the fix."""
    reasons = sorted(report["rejected"].items(), key=lambda item: -item[1])[:3]
    named = ", ".join(f"{reason} {n}" for reason, n in reasons) or "no facts proposed"
    return (
        f"--out {out_dir}: no question passed the checks ({report['yield']['sections']} "
        f"sections; rejected: {named}), so no questions.jsonl was written; see the yield table "
        "above or generation.json, then try a stronger model or fewer facts per section "
        "(generate.facts_per_section)"
    )


def read_sections(path: Path, separator: str) -> list[Section]:
    """The corpus rows as sections; `<document><separator><section>` ids group by document."""
    sections = []
    for line, row in read_jsonl(path, "--corpus"):
        where = f"{path} line {line}"
        section_id = text_field(row, "id", where, "give every section an id")
        text = text_field(row, "text", where, "give the section some text")
        title = json_field(row, "title", str, where, required=False) or ""
        # the last separator: `harness.ingest` writes `<path>#<hash>`, and a path may hold a `#`
        document = (section_id.rpartition(separator)[0] or section_id) if separator else section_id
        sections.append(Section(section_id, document, title, text))
    ids = Counter(s.id for s in sections)
    if repeated := [i for i, n in ids.items() if n > 1]:
        raise HarnessError(f"{path}: section id {repeated[0]!r} appears {ids[repeated[0]]} times")
    return sections


def fact_conversation(section: Section, settings: GenerateSettings) -> Conversation:
    """The request for one section's facts."""
    prompt = settings.facts_prompt.format(
        title=section.title or section.id, text=section.text, count=settings.facts_per_section
    )
    return _chat(settings, prompt)


def paraphrase_conversation(fact: Fact, settings: GenerateSettings) -> Conversation:
    """The request for one fact's paraphrases."""
    prompt = settings.paraphrase_prompt.format(
        question=fact.question, answer=fact.answer, count=settings.paraphrases
    )
    return _chat(settings, prompt)


def unanswerable_conversation(section: Section, settings: GenerateSettings) -> Conversation:
    """The request for questions one section does not answer."""
    prompt = settings.unanswerable_prompt.format(
        title=section.title or section.id, text=section.text,
        count=settings.unanswerable_per_section,
    )  # fmt: skip
    return _chat(settings, prompt)


def facts_schema(settings: GenerateSettings) -> Schema:
    """Fact-first replies under constrained decoding: up to facts_per_section facts."""
    fact = object_schema({"question": question_string(settings.question_max_chars),
                          "answer": string_schema(80), "evidence": string_schema(400)})  # fmt: skip
    return array_schema(fact, settings.facts_per_section)


def unanswerable_schema(settings: GenerateSettings) -> Schema:
    """Unanswerable replies under constrained decoding: questions with a guess each."""
    item = object_schema({"question": question_string(settings.question_max_chars),
                          "guess": string_schema(80)})  # fmt: skip
    return array_schema(item, settings.unanswerable_per_section)


def _chat(settings: GenerateSettings, prompt: str) -> Conversation:
    system = (
        [{"role": "system", "content": settings.system_prompt}] if settings.system_prompt else []
    )
    return [*system, {"role": "user", "content": prompt}]


def _fits(model: ChatModel, conversation: Conversation, settings: GenerateSettings) -> bool:
    return model.prompt_tokens(conversation) + settings.max_new_tokens <= model.context_window


def plan_run(
    sections: list[Section],
    model: ChatModel,
    asker: Asker,
    pricing: Pricing,
    settings: GenerateSettings,
    reading: bool = False,
) -> Estimate:
    """The estimate over the calls not cached yet (see `harness.generate.estimate`); with
    `reading`, the reader's calls at their upper bound (a candidate's and its paraphrases')."""
    known: list[tuple[Conversation, Schema | None]] = []
    if settings.mode == "answer_first":
        known = list(first_requests(sections, settings))
    elif settings.mode == "fact_first":
        known = [(fact_conversation(s, settings), facts_schema(settings)) for s in sections]
    writing = settings.mode != "template"
    if settings.unanswerable_per_section and writing:
        known += [(unanswerable_conversation(s, settings), unanswerable_schema(settings))
                  for s in sections]  # fmt: skip
    cached = [asker.cached(*request) for request in known]
    prompt_tokens = [model.prompt_tokens(c) for (c, _), r in zip(known, cached, strict=True)
                     if not r]  # fmt: skip
    if reading and settings.mode != "fact_first":
        by_id = {s.id: s for s in sections}
        found = candidates(sections, settings.facts_per_section, settings.max_facts_per_document)
        phrasings = 1 + (settings.paraphrases if writing else 0)
        prompt_tokens += [
            model.prompt_tokens(reader_conversation(by_id[c.section_id], c.evidence, prompt))
            for c in found for prompt in [settings.reader_prompt] * phrasings
        ]  # fmt: skip
    if settings.paraphrases and writing:
        per_document = Counter(s.document for s in sections)
        cap = settings.max_facts_per_document
        most = sum(
            min(n * settings.facts_per_section, cap or n * settings.facts_per_section)
            for n in per_document.values()
        )
        sample = [Fact("", "", s.text[:200], "a short answer", "") for s in sections[:1]]
        size = model.prompt_tokens(paraphrase_conversation(sample[0], settings)) if sample else 0
        prompt_tokens += [size] * most
    seconds = [r.seconds for r in cached if r is not None]
    if not seconds and model.name not in pricing.token_prices and prompt_tokens and sections:
        if settings.max_calls is not None and settings.max_calls < 1:
            return estimate(model.name, pricing, prompt_tokens, 0, settings.max_new_tokens,
                            settings.max_retries, None)  # fmt: skip
        # one batch, as the run will send them: a lone call overstates a batched model's time
        size = min(asker.batch_size, len(sections), settings.max_calls or len(sections))
        print(f"measuring {size} calls to price compute time (the replies are cached and used)",
              flush=True)  # fmt: skip
        batches: dict[str | None, tuple[Schema | None, list[Conversation]]] = {}
        for conversation, schema in known[:size]:  # a batch per schema, as the run sends them
            batches.setdefault(schema_key(schema), (schema, []))[1].append(conversation)
        for schema, batch in batches.values():
            seconds += [reply.seconds for reply in asker.ask(batch, "measuring", schema)]
        prompt_tokens = prompt_tokens[size:]
        cached[:size] = [asker.cached(*request) for request in known[:size]]
    mean_seconds = sum(seconds) / len(seconds) if seconds else None
    done = sum(r is not None for r in cached)
    return estimate(model.name, pricing, prompt_tokens, done, settings.max_new_tokens,
                    settings.max_retries, mean_seconds)  # fmt: skip


def ask_facts(
    sections: list[Section], asker: Asker, settings: GenerateSettings, tally: Tally
) -> list[Fact]:
    """Each section's proposed facts that pass every check against the section."""
    conversations = [fact_conversation(s, settings) for s in sections]
    keys = ("question", "answer", "evidence")
    parsed, replies, problems = asker.ask_parsed(
        conversations, lambda text: parse_objects(text, keys), "facts", facts_schema(settings)
    )
    tally.counts["fact_replies"] = replies
    tally.reply_problems.update({f"facts: {k}": n for k, n in problems.items()})
    tally.rejected["facts_reply_unparsable"] = sum(p is None for p in parsed)
    facts = []
    for section, items in zip(sections, parsed, strict=True):
        if items is None:
            continue
        tally.counts["fact_replies_parsed"] += 1
        tally.counts["facts_parsed"] += len(items)
        tally.rejected["over_section_limit"] += max(0, len(items) - settings.facts_per_section)
        for item in items[: settings.facts_per_section]:
            fact = Fact(section.id, section.document, item["question"], item["answer"],
                        item["evidence"])  # fmt: skip
            if problem := fact_problem(fact, section.text):
                tally.rejected[problem] += 1
            else:
                facts.append(fact)
    tally.counts["facts_verified"] = len(facts)
    return facts


def ask_paraphrases(
    facts: list[Fact], asker: Asker, settings: GenerateSettings, tally: Tally
) -> None:
    """Add to each fact the paraphrases of its question that pass `paraphrase_problem`."""
    if not settings.paraphrases or not facts:
        return
    conversations = [paraphrase_conversation(f, settings) for f in facts]
    count, most = settings.paraphrases, settings.question_max_chars
    schema = array_schema(question_string(most), count, count)
    parsed, replies, problems = asker.ask_parsed(
        conversations, lambda text: parse_strings(text, count), "paraphrases", schema
    )
    tally.counts["paraphrase_replies"] = replies
    tally.reply_problems.update({f"paraphrases: {k}": n for k, n in problems.items()})
    tally.rejected["paraphrase_reply_unparsable"] = sum(p is None for p in parsed)
    for fact, items in zip(facts, parsed, strict=True):
        for item in items or []:
            if problem := paraphrase_problem(item, fact, fact.paraphrases):
                tally.rejected[problem] += 1
            else:
                fact.paraphrases.append(item)
    tally.counts["paraphrases_kept"] = sum(len(f.paraphrases) for f in facts)


def ask_unanswerable(
    sections: list[Section], asker: Asker, settings: GenerateSettings, tally: Tally
) -> list[Unanswerable]:
    """Each section's proposed unanswerable questions, before their checks."""
    if not settings.unanswerable_per_section:
        return []
    conversations = [unanswerable_conversation(s, settings) for s in sections]
    parsed, replies, problems = asker.ask_parsed(
        conversations, lambda text: parse_objects(text, ("question", "guess")), "unanswerable",
        unanswerable_schema(settings),
    )  # fmt: skip
    tally.counts["unanswerable_replies"] = replies
    tally.reply_problems.update({f"unanswerable: {k}": n for k, n in problems.items()})
    tally.rejected["unanswerable_reply_unparsable"] = sum(p is None for p in parsed)
    proposed = []
    for section, items in zip(sections, parsed, strict=True):
        for item in (items or [])[: settings.unanswerable_per_section]:
            proposed.append(Unanswerable(section.id, item["question"], item["guess"]))
        extra = len(items or []) - settings.unanswerable_per_section
        tally.rejected["unanswerable_over_section_limit"] += max(0, extra)
    tally.counts["unanswerable_parsed"] = len(proposed)
    return proposed


def check_unanswerable(
    proposed: list[Unanswerable],
    sections: list[Section],
    facts: list[Fact],
    embedder: Embedder,
    settings: GenerateSettings,
    cache_dir: Path,
    tally: Tally,
) -> list[Unanswerable]:
    """The proposals no section answers, as far as code can tell (see `unanswerable_problem`)."""
    if not proposed:
        return []
    retriever = section_retriever(sections, embedder, cache_dir)
    questions = [p.question for p in proposed]
    hits = retriever.search(questions, settings.retrieval_top_k)
    answerable = [q for f in facts for q in (f.question, *f.paraphrases)]
    known = embedder.encode(answerable, batch_size=64) if answerable else np.zeros((0, 1))
    asked = embedder.encode(questions, batch_size=64)
    threshold, kept = settings.duplicate_threshold, []
    for index, (proposal, found) in enumerate(zip(proposed, hits, strict=True)):
        problem = unanswerable_problem(proposal, [h.chunk.text for h in found], sections)
        if problem is None and _closest(known, asked[index]) >= threshold:
            problem = "unanswerable_near_answerable_question"
        if problem is None and _closest(asked[kept], asked[index]) >= threshold:
            problem = "unanswerable_duplicate"
        if problem:
            tally.rejected[problem] += 1
        else:
            kept.append(index)
    tally.counts["unanswerable_kept"] = len(kept)
    return [proposed[i] for i in kept]


def _closest(vectors: np.ndarray, vector: np.ndarray) -> float:
    """The highest cosine between `vector` and the rows of `vectors` (normalised), -1 if none."""
    return float((vectors @ vector).max()) if len(vectors) else -1.0


def unanswerable_problem(
    proposal: Unanswerable, retrieved: list[str], sections: list[Section]
) -> str | None:
    """Why a proposed unanswerable question may be answerable after all, or None.

    The guess a reader might make must occur in none of the sections the retriever finds for the
    question, nor anywhere else in the corpus: a guess the documents state means the question is
    answered. This is necessary, not sufficient (a section may state a different value than the
    guess): reading a sample by hand (`python -m harness.generate.review`) measures how often.
    A question that is itself text of a section (its own words cut off with a `?`, as a small
    model writes) is rejected first: the corpus states it, so it is not a question the corpus
    leaves open.
    """
    if any(occurs(proposal.question, s.text) for s in sections):
        return "unanswerable_copies_corpus"
    if any(occurs(proposal.guess, text) for text in retrieved):
        return "unanswerable_answered_by_retrieved_section"
    if any(occurs(proposal.guess, s.text) for s in sections):
        return "unanswerable_guess_in_corpus"
    if not proposal.guess.strip(" .?!"):
        return "unanswerable_guess_empty"
    return None
