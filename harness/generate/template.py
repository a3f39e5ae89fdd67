"""Template-only questions (`generate.mode=template`): a cloze turned into a question by rules,
no model; the floor the model's questions must beat (measured in docs/documents.md).

Per candidate (`harness.generate.candidates`), its evidence sentence with the answer replaced by
the wh-word its kind calls for, moved to the front where that is simple:

- the answer opens the sentence: the wh-word takes its place ("Anna Kell built the observatory."
  -> "Who built the observatory?");
- a form of "be", "have" or a modal ("can", "will"...) comes before the answer, after a short
  subject without a comma: wh-word, that verb, the subject, the rest ("The plant was opened in
  1999." -> "When was the plant opened?"); a preposition of time before a date, time or
  duration goes with it ("in", "on", "within"...), unless it changes what is asked ("after",
  "before", "since", "by": "lit after midnight" -> "lit after what time?");
- else the sentence with the wh-word where the answer was ("Cove costs how much per month?").

A sentence longer than `generate.question_max_chars` is cut to the answer's clause: after it at
a comma, semicolon or bracket, before it at a semicolon, and if still too long at a comma; an
article before the answer goes with it ("in the United States" -> "in what"). The question then
meets the same checks as the model's (`questions.question_problem`), each a reason in the yield
table, found by reading the template questions of issue 33 item 4:

- `answer_in_question`: the answer's words are in it;
- `answer_spelled_out_in_question`: an abbreviation answer with its words in the question
  ("... a Master of Arts ( what?" for MA);
- `wh_in_brackets`: the wh-word inside a bracket opened before it, where an aside was cut
  ("The Rev. Ann Hale, O.P., ( when?"), which does not say what is asked;
- `question_too_short`: fewer than `questions.MIN_ASKING_WORDS` (2) words besides the wh-word,
  stop words and numbers ("Who?", "In 1882, what?");
- `sibling_code_in_question`: a code that differs from the answer only in its digits ("terminals
  which and OT2?" for OT1);
- `answer_cut_from_list`: the answer is an item of a list that goes on after it and the question
  does not name the next item ("branch libraries for what?" for one of five).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from harness.generate.candidates import Candidate, SectionText, candidates
from harness.generate.checks import Fact
from harness.generate.questions import as_fact, question_problem
from harness.generate.records import Tally
from harness.generate.settings import GenerateSettings


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# verbs a wh-question moves before its subject, as they are
_AUXILIARIES = _word_set(
    "is are was were has have had can could will would may might must shall should"
)
# a subject's first word written lower case once it no longer starts the sentence
_LOWER_FIRST = _word_set(
    "a an the every each this that these those its their his her our your all some most any "
    "no one many"
)
# prepositions that go with the answer when the wh-word replaces a time ("in 1999" -> "when");
# the others stay, as they change what is asked ("lit after midnight" -> "lit after what time")
_TIME_PREPOSITIONS = _word_set("in on at during within for")
_TIME_WH = frozenset(("when", "what time", "how long"))
_ARTICLES = frozenset(("a", "an", "the"))
_RELATIVES = frozenset(("which", "who", "that", "where", "whose", "whom"))
_MAX_SUBJECT_WORDS = 8


def template_question(candidate: Candidate, max_chars: int) -> str:
    """The question the rules make of `candidate`'s sentence (see the module docstring)."""
    sentence, at = candidate.evidence, candidate.start - candidate.evidence_start
    before, after = sentence[:at], sentence[at + len(candidate.answer) :]
    if len(sentence) > max_chars:
        before, after = _clause(before, after, max_chars)
    before, after = before.strip(), after.strip().rstrip(" .!?:;")
    wh, words = candidate.wh, before.split()
    if words and words[-1].casefold() in _ARTICLES:  # "in the United States" -> "in what"
        words = words[:-1]
    if wh in _TIME_WH and words and words[-1].casefold() in _TIME_PREPOSITIONS:
        words = words[:-1]
    before = " ".join(words)
    if not before:
        return _tidy(f"{_capital(wh)} {after}")
    moved = _fronted(before, after, wh)
    if moved is not None:
        return moved
    return _tidy(f"{before} {wh} {after}")


def _fronted(before: str, after: str, wh: str) -> str | None:
    """`wh aux subject rest?` when `before` is `subject aux rest` with a short subject."""
    words = before.split()
    for index, word in enumerate(words[: _MAX_SUBJECT_WORDS + 1]):
        if word.casefold() in _AUXILIARIES and index > 0:
            subject = words[:index]
            if subject[0].casefold() in _RELATIVES:  # a clause cut from its sentence
                return None
            if any(c in w for w in subject for c in ',;:()"“”'):
                return None
            if subject[0].casefold() in _LOWER_FIRST:
                subject[0] = subject[0].casefold()
            rest = " ".join([*subject, *words[index + 1 :]])
            return _tidy(f"{_capital(wh)} {word.casefold()} {rest} {after}")
    return None


def _clause(before: str, after: str, max_chars: int) -> tuple[str, str]:
    """The clause around the answer: `after` up to its first comma, semicolon or bracket,
    `before` from its last semicolon, then, if still too long, from its last comma or bracket."""
    ends = [i for i in (after.find(", "), after.find("; "), after.find("("), after.find(")"))
            if i >= 0]  # fmt: skip
    after = after[: min(ends)] if ends else after
    before = before[before.rfind("; ") + 1 :]
    if len(before) + len(after) > max_chars:
        cut = max(before.rfind(", "), before.rfind("("))
        before = before[cut + 1 :] if cut >= 0 else before
    return before, after


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _tidy(text: str) -> str:
    """One space between words, none before punctuation, one `?` at the end, capitalised."""
    text = re.sub(r"\s+([,;:])", r"\1", " ".join(text.split())).rstrip(" ,;:")
    return _capital(text) + "?"


def template_questions(
    sections: Sequence[SectionText], settings: GenerateSettings, tally: Tally
) -> list[Fact]:
    """Template-only facts: each candidate's question by rules, those without their answer."""
    found = candidates(sections, settings.facts_per_section, settings.max_facts_per_document)
    tally.counts["candidates"] = len(found)
    facts = []
    for candidate in found:
        question = template_question(candidate, settings.question_max_chars)
        tally.counts["template_questions"] += 1
        if problem := question_problem(question, candidate):
            tally.rejected[problem] += 1
        else:
            facts.append(as_fact(candidate, question))
    tally.counts["facts_verified"] = len(facts)
    return facts
