"""Answer-first questions: code picks the answer and its evidence, the model only phrases.

`harness.generate.candidates` finds the answers (a span, its sentence, its kind and wh-word);
here the model is asked, per candidate, for one question whose answer it is, given the sentence
and the section's heading path, as `{"question": "..."}` under constrained decoding where the
backend can (`harness.models.constrained`): the question is one line of at most
`generate.question_max_chars` characters ending in `?`, with no quotes, backslashes or other
`?` in it. The request's form (`generate.question_form`) is one of `FORMS`: which of the blank
(the sentence with the answer replaced by ___), worked examples and the wh-word chosen in code
(the question must start with it) it uses; measured in docs/documents.md. A question is kept when
it ends in `?` and passes `question_problem`, the checks template questions meet too: it does
not contain its answer (`checks.answer_in_question`) nor spell out an abbreviation that is its
answer ("MA" asked with "Master of Arts" in the question), its wh-word does not stand inside a
bracket opened before it (where an aside was: "Ann Hale, O.P., ( when?"), it has
`MIN_ASKING_WORDS` words besides the wh-phrase, stop words and numbers ("In 1882, what?" asks
nothing), it does not name the answer's sibling code ("terminals which and OT2?" for OT1), and,
when its answer is an item of a list that goes on after it, it names the next item (else "branch
libraries for what?" calls for the whole list, and the gold is one item). The answer and
evidence are exact by construction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from harness.generate.candidates import Candidate, SectionText, candidates
from harness.generate.checks import Fact, answer_in_question
from harness.generate.records import Tally
from harness.generate.replies import Asker, ReplyError, object_schema
from harness.generate.settings import GenerateSettings
from harness.generate.wording import STOPWORDS, abbreviation, spelled_out_in
from harness.models import Conversation
from harness.models.constrained import Schema

BLANK = "___"
# Why `question_problem` rejects a question, in the order it checks; each is a yield-table row.
QUESTION_REASONS = (
    "answer_in_question",  # the answer's words, in order, in the question
    "answer_spelled_out_in_question",  # an abbreviation beside its words: "MA", "Master of Arts"
    "wh_in_brackets",  # where a bracketed aside was: "The Rev. Ann Hale, O.P., ( when?"
    "question_too_short",  # too few words to say what is asked: "Who?", "In 1882, what?"
    "sibling_code_in_question",  # "Connect the wires to terminals which and OT2?" for OT1
    "answer_cut_from_list",  # "branch libraries for what?" for Architecture, of five
)
# Words a question needs besides its wh-phrase, stop words and numbers: one for the thing asked
# about, one for what of it ("When was it built?" does not say which thing, and the question is
# asked of the whole corpus). On the labels of issue 33 item 4 the failing "Who?" and "In 1882,
# what?" have none and every passing question has 2 or more, so none of those is lost.
MIN_ASKING_WORDS = 2


@dataclass(frozen=True)
class Form:
    """What a request shows the model besides the sentence and the answer."""

    blank: bool  # the sentence with the answer blanked, instead of the sentence and the answer
    examples: bool  # worked examples as earlier turns
    wh: bool  # the question must start with the wh-word the answer's kind calls for


FORMS = {
    "instruction": Form(blank=False, examples=False, wh=False),
    "blank": Form(blank=True, examples=False, wh=False),
    "examples": Form(blank=False, examples=True, wh=False),
    "wh": Form(blank=False, examples=False, wh=True),
    "blank_examples_wh": Form(blank=True, examples=True, wh=True),
}
SYSTEM = "You write one quiz question. You reply with JSON only."
# Worked examples of my own, one per common kind: (headings, sentence, answer, wh, question).
EXAMPLES = (
    ("Harbor Tours > Tickets", "A child ticket for the harbor tour costs $9.", "$9", "how much",
     "How much does a child ticket for the harbor tour cost?"),
    ("Lumen Lamp > Setup", "The lamp pairs with the app within 20 seconds.", "20 seconds",
     "how long", "How long does the lamp take to pair with the app?"),
    ("Riverside College > History", "The observatory was built by Professor Anna Kell.",
     "Professor Anna Kell", "who", "Who built the observatory?"),
    ("Tessel API > Errors", "The server answers T-409 when a file is locked.", "T-409",
     "which", "Which code does the server answer when a file is locked?"),
)  # fmt: skip


def question_string(max_chars: int, wh: str | None = None) -> Schema:
    """A question: one line of at most `max_chars` characters ending in `?`, no quotes,
    backslashes or other `?`, starting with the capitalised `wh` word when given."""
    if wh and not re.fullmatch(r"[a-z]+(?: [a-z]+)*", wh):
        raise ValueError(f"wh-word {wh!r}: use lower-case words")
    start = wh[:1].upper() + wh[1:] + " " if wh else "[A-Z]"
    pattern = rf'^{start}[^"\\\n?]*\?$'
    return {"type": "string", "minLength": 8, "maxLength": max_chars, "pattern": pattern}


def question_schema(wh: str | None, max_chars: int) -> Schema:
    """`{"question": ...}` with `question_string(max_chars, wh)`."""
    return object_schema({"question": question_string(max_chars, wh)})


def request(
    headings: str, sentence: str, answer: str, wh: str, form: Form, at: int | None = None
) -> str:
    """The user turn for one answer in `form`; `at` is where the answer starts in `sentence`
    (default: its first occurrence)."""
    lines = [f"Section: {headings}"] if headings else []
    if form.blank:
        at = sentence.index(answer) if at is None else at
        lines.append(f"Sentence: {sentence[:at]}{BLANK}{sentence[at + len(answer) :]}")
        lines.append(f"Write the question whose answer fills the blank ({answer}).")
    else:
        lines.append(f"Sentence: {sentence}")
        lines.append(f"Write a question whose answer is: {answer}")
    if form.wh:
        lines.append(f'Start the question with "{wh[:1].upper() + wh[1:]}".')
    lines.append('Reply as {"question":"..."}')
    return "\n".join(lines)


def conversation(candidate: Candidate, form: Form) -> Conversation:
    """The request for one candidate's question, with the worked examples when `form` has them."""
    turns: Conversation = [{"role": "system", "content": SYSTEM}]
    if form.examples:
        for headings, sentence, answer, wh, question in EXAMPLES:
            turns.append({"role": "user", "content": request(headings, sentence, answer, wh, form)})
            reply = json.dumps({"question": question}, separators=(",", ":"))
            turns.append({"role": "assistant", "content": reply})
    headings = " > ".join(candidate.headings)
    at = candidate.start - candidate.evidence_start
    content = request(headings, candidate.evidence, candidate.answer, candidate.wh, form, at)
    return [*turns, {"role": "user", "content": content}]


def parse_question(text: str) -> str:
    """The question of a `{"question": "..."}` reply, one line ending in `?`."""
    try:
        value = json.loads(text.strip())
    except json.JSONDecodeError as error:
        raise ReplyError("not_json", f"it is not valid JSON ({error.msg})") from None
    if not isinstance(value, dict) or set(value) != {"question"}:
        raise ReplyError("wrong_keys", 'reply with an object with exactly the key "question"')
    question = value["question"]
    if not isinstance(question, str) or not question.strip().endswith("?"):
        raise ReplyError("not_a_question", '"question" must be a question ending in ?')
    return " ".join(question.split())


def question_problem(question: str, candidate: Candidate) -> str | None:
    """Why a phrased question is not kept (the first of `QUESTION_REASONS` it meets), or None."""
    if answer_in_question(candidate.answer, question):
        return "answer_in_question"
    letters = abbreviation(candidate.answer)
    if letters and spelled_out_in(letters, question):
        return "answer_spelled_out_in_question"
    wh = re.compile(rf"(?<!\w){re.escape(candidate.wh)}(?!\w)", re.IGNORECASE)
    if any(_bracketed(question[: m.start()]) for m in wh.finditer(question)):
        return "wh_in_brackets"
    words = re.findall(r"[^\W\d_]+(?:['’][^\W\d_]+)*", wh.sub(" ", question))
    if sum(w.casefold() not in STOPWORDS for w in words) < MIN_ASKING_WORDS:
        return "question_too_short"
    if candidate.kind == "code" and _sibling_code_in(candidate.answer, question):
        return "sibling_code_in_question"
    following = _next_list_item(candidate)
    if following and not re.search(rf"(?<!\w){re.escape(following)}(?!\w)", question):
        return "answer_cut_from_list"
    return None


def _sibling_code_in(answer: str, question: str) -> bool:
    """Whether the question holds a code that differs from the answer only in its digits
    ("OT2" beside a blank for "OT1"): the answer is then a guess away."""
    if not (re.search(r"\d", answer) and re.search(r"[^\W\d_]", answer)):
        return False  # a bare number or version ("802.11" beside "5.2") has no siblings
    shape = re.sub(r"\d+", "#", answer)
    return any(
        word != answer and re.sub(r"\d+", "#", word) == shape
        for word in re.findall(r"[\w\-./]+", question)
    )


# After a name, ", X" or " and X" with X capitalised (an article allowed before it: ", the
# Morris Inn"): the name is an item of a list
_LIST_GOES_ON = re.compile(
    r"(?:,\s+(?:and\s+|or\s+)?|\s+(?:and|or|&)\s+)(?:the\s+|an?\s+)?([A-Z][\w’'&.-]*)"
)


def _next_list_item(candidate: Candidate) -> str | None:
    """The first word of the item after the answer when the answer (a name or term) is an item
    of a list that goes on, as in "for Architecture, Chemistry & Physics, Engineering and Law";
    else None. An item after a comma counts only when the sentence joins items with "and" or
    "or" later, so "Paris, France" is not a list."""
    if candidate.kind not in ("name", "person", "term"):
        return None
    at = candidate.end - candidate.evidence_start
    rest = candidate.evidence[at:]
    match = _LIST_GOES_ON.match(rest)
    if match is None:
        return None
    joined_later = re.search(r"\s(?:and|or|&)\s", rest[: match.end() + 80])
    if rest.startswith(",") and not joined_later:
        return None
    return match.group(1)


def _bracketed(before: str) -> bool:
    """Whether a bracket opened in `before` is not closed in it."""
    return before.count("(") + before.count("[") > before.count(")") + before.count("]")


def as_fact(candidate: Candidate, question: str) -> Fact:
    """The kept question as a fact: answer and evidence from the candidate, exact."""
    return Fact(candidate.section_id, candidate.document, question, candidate.answer,
                candidate.evidence, kind=candidate.kind)  # fmt: skip


def ask_questions(
    sections: Sequence[SectionText], asker: Asker, settings: GenerateSettings, tally: Tally
) -> list[Fact]:
    """Answer-first facts: the candidates of `sections`, each phrased by the model as a
    question (one request per candidate, grouped by schema), those that pass the checks."""
    found = candidates(sections, settings.facts_per_section, settings.max_facts_per_document)
    tally.counts["candidates"] = len(found)
    form = FORMS[settings.question_form]
    groups: dict[str, list[int]] = {}
    for index, candidate in enumerate(found):  # the wh-word is part of the schema
        groups.setdefault(candidate.wh if form.wh else "", []).append(index)
    questions: dict[int, str] = {}
    for wh, indexes in groups.items():
        schema = question_schema(wh or None, settings.question_max_chars)
        asked = [conversation(found[i], form) for i in indexes]
        parsed, replies, problems = asker.ask_parsed(asked, parse_question, "questions", schema)
        tally.counts["question_replies"] += replies
        tally.reply_problems.update({f"questions: {k}": n for k, n in problems.items()})
        questions.update({i: q for i, q in zip(indexes, parsed, strict=True) if q is not None})
    tally.rejected["question_reply_unparsable"] = len(found) - len(questions)
    tally.counts["questions_parsed"] = len(questions)
    facts = []
    for index in sorted(questions):
        if problem := question_problem(questions[index], found[index]):
            tally.rejected[problem] += 1
        else:
            facts.append(as_fact(found[index], questions[index]))
    tally.counts["facts_verified"] = len(facts)
    return facts


def first_requests(
    sections: Sequence[SectionText], settings: GenerateSettings
) -> list[tuple[Conversation, Schema]]:
    """The question requests `ask_questions` will make (for the estimate before the run)."""
    found = candidates(sections, settings.facts_per_section, settings.max_facts_per_document)
    form = FORMS[settings.question_form]
    return [
        (
            conversation(c, form),
            question_schema(c.wh if form.wh else None, settings.question_max_chars),
        )
        for c in found
    ]
