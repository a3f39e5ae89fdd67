"""Does a prediction state the gold answer? Judged as a careful reader would, not by its format.

- Numbers are compared as numbers: "The plan has 75." states "75 seats" (a bare number is the
  asked quantity), and so does "75 users" when the question asks how many users; "75 GB" does not
  state "75 MB", "75 days" not "75 seats", "Android 12" not "12 devices", "4.5" is not "45". A
  bare gold number may carry a unit of measure ("340 metres" for "340") unless the question asks
  for another kind or counts something ("How many ...?").
- Dates are compared as dates: "9 March 2023", "March 9th, 2023" and "2023-03-09" are one date;
  a gold day without a year ("June 30") is stated by "June 30th", "30 June" or "June 30, 2024".
- Anything else (names, codes, endpoints, commands) must appear as whole words, punctuation aside.
- Hedging is wrong: an answer that also asserts another value of the asked kind ("75 or 60
  seats", "March 9 or March 19, 2023") does not state the answer. Numbers the question itself
  contains ("Apart from port 443, ...") are not counted as asserted values, nor is a value in a
  clause about another event ("established in 1842 with the first degrees given in 1849").
- Names (`harness.scoring.names`): a leading article, a title ("Fr.", "Father") or a post-nominal
  (", C.S.C.") may be left out, a person's or team's name may be shortened to its last word ("the
  Panthers") unless another name comes right before it ("Michael J. Shea" for "John F. Shea"), a
  place to its town ("Dayton" for "Dayton, Ohio", never "Springfield, Ohio"); initials stand for
  a name ("MIT"), a plural for a common noun ("otters" for "otter"). A name one letter off, or a
  description's last word alone, is wrong but marked uncertain: a reader may take either.
  News forms (`harness.scoring.forms`): a noun in the other number ("Goat" for "Goats"), a name
  without the words the question says ("Columbia" asked which university); a country by its
  adjective, a word added inside a name and the gold as an office's place are correct but marked
  uncertain; a negated claim after the gold or the gold only inside a question is wrong.
- Around the value (`harness.scoring.reading`): a negation before it, the value as one item of a
  list when one thing is asked, or inside a longer name, makes it wrong; each of these, a rival
  value excused as another event's and a more specific place before the gold ("Galveston,
  Texas" for "Texas") mark the verdict uncertain, with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from harness.scoring import forms, names, reading
from harness.scoring.values import (
    Quantity,
    clean,
    date_spans,
    day_spans,
    fold,
    quantities,
    same_measure,
    same_number,
    year_spans,
)

# A gold answer is "a quantity" when, besides its number and unit, it has at most this many words
# ("45 requests per minute", "port 9443", "macOS 12.4"); otherwise it is matched as text.
_MAX_OTHER_WORDS = 3
# Question phrases that name what kind of unit a bare gold number is in ("How old was he?" "39
# years old"), as dimensions of `values._UNITS`.
_ASKED_DIMENSIONS = (
    (re.compile(r"\bhow old\b|\bage\b"), {"months"}),
    (re.compile(r"\bhow long\b|\bduration\b"), {"seconds", "months"}),
    (
        re.compile(r"\bhow much\b|\bcost|\bspent\b|\bprice|\bworth\b|\bbudget|\bvalue\b"),
        {"usd", "eur", "gbp"},
    ),
    (re.compile(r"\bpercent|\bpercentage\b|\bshare\b|\brate\b"), {"%"}),
    (
        re.compile(r"\bhow (?:long|tall|high|far|wide|deep)\b|\blength|\bheight|\bdistance"),
        {"length"},
    ),
    (re.compile(r"\bhow heavy\b|\bweigh|\bmass\b"), {"mass"}),
    (re.compile(r"\bhow (?:big|large)\b|\barea\b"), {"area", "length"}),
)
# Where the question names no kind of unit and counts nothing ("What is the span of ...?"), a
# bare gold number may carry a unit of measure: news gives "340" for "340 metres".
_MEASURES = frozenset({"length", "mass", "area"})
# An indefinite description: "a renowned sculptor", "an early wind tunnel" (group 1: the rest
# without the first modifier)
_INDEFINITE = re.compile(r"(?i)^an?\s+[a-z][\w-]*\s+([a-z][\w\s-]*)$")
# Looser forms of a gold name, tried in turn where no closer one is found, with why in doubt
_LOOSE_FORMS = (
    (
        lambda prediction, gold, _: forms.inserted_spans(prediction, gold),
        "a word added inside the gold's name: a fuller name, or another",
    ),
    (forms.demonym_spans, "the country only as its adjective"),
)
_YEAR = re.compile(r"1[89]\d\d|20\d\d")
_SCORE = re.compile(r"\b\d{1,3}\s?[–—-]\s?\d{1,3}\b")


@dataclass(frozen=True)
class Reading:
    """Whether a prediction states the gold, and, where a word pattern decided, why in doubt."""

    states: bool
    uncertain: str | None = None


def read_answer(prediction: str, answers: Sequence[str], question: str = "") -> Reading:
    """The rules' reading of `prediction` against the gold `answers`: a sure match wins."""
    readings = [_read(prediction, gold, question) for gold in answers]
    stated = [r for r in readings if r.states]
    if stated:
        return min(stated, key=lambda r: r.uncertain is not None)
    return next((r for r in readings if r.uncertain), Reading(False))


def states_answer(prediction: str, answers: Sequence[str], question: str = "") -> bool:
    """Whether `prediction` states one of the gold `answers` and asserts no rival value."""
    return read_answer(prediction, answers, question).states


def _read(prediction: str, gold: str, question: str) -> Reading:
    text = clean(prediction)
    if len(gold_spans := year_spans(gold)) == 1 and _covers(gold, gold_spans[0][2:]):
        asked = {s[:2] for s in year_spans(question)}
        stated = [s for s in year_spans(prediction) if s[:2] not in asked]
        matches = [s[2:] for s in stated if s[:2] == gold_spans[0][:2]]
        return _decide(
            text, question, matches, [s[2:] for s in stated if s[:2] != gold_spans[0][:2]]
        )
    if gold_dates := date_spans(gold):
        return _read_dates(prediction, question, gold_dates[0][0], date_spans)
    if len(gold_days := day_spans(gold)) == 1 and _covers(gold, gold_days[0][1:]):
        # a day without its year ("June 30"): "June 30th" and "30 June 2024" state it
        return _read_dates(prediction, question, gold_days[0][0], day_spans)
    if (gold_quantity := _as_quantity(gold)) is not None:
        return _read_quantity(prediction, gold_quantity, question)
    return _read_text(prediction, gold, question)


def _read_dates(
    prediction: str, question: str, gold: tuple[int, ...], find: Callable[[str], list[tuple]]
) -> Reading:
    """A gold date (or day): `find`'s dates in the prediction equal to it are matches, the others
    rivals, those of the question aside."""
    asked = {day for day, _, _ in find(question)}
    stated = [(day, a, b) for day, a, b in find(prediction) if day not in asked]
    matches = [(a, b) for day, a, b in stated if day == gold]
    rivals = [(a, b) for day, a, b in stated if day != gold]
    return _decide(clean(prediction), question, matches, rivals)


def _covers(gold: str, span: tuple[int, int]) -> bool:
    """Whether the span is all of the gold, but for "the", "from", "years" and punctuation."""
    rest = clean(gold)[: span[0]] + clean(gold)[span[1] :]
    return not re.sub(r"\b(?:the|from|years?)\b|[^\w]", "", rest)


def _decide(
    text: str, question: str, matches: list[tuple[int, int]], rivals: list[tuple[int, int]]
) -> Reading:
    """The reading once the gold value's and its rivals' places in `text` are known."""
    if not matches:
        return Reading(False)
    why = None
    # a rival under a negation is denied, not asserted: "37 GB, not 42 GB"
    rivals = [r for r in rivals if not reading.negated(text, r[0], question)]
    if rivals:
        if not all(any(reading.other_event(text, question, m, r) for m in matches) for r in rivals):
            return Reading(False)  # hedging: another value of the asked kind for the same thing
        why = "another value of the asked kind, read as one of another event"
    if all(reading.negated(text, start, question) for start, _ in matches):
        return Reading(False, "a negation or contrast before the value")
    return Reading(True, why)


def _as_quantity(gold: str) -> Quantity | None:
    found = quantities(gold)
    if len(found) != 1:
        return None
    (quantity,) = found
    other = clean(gold[: quantity.start] + " " + gold[quantity.end :])
    if re.search(r"\d", other):  # "+1-415-555-0173", "Windows 10 build 19045": matched as text
        return None
    return quantity if len(re.findall(r"[a-z]+", other)) <= _MAX_OTHER_WORDS else None


def _read_quantity(prediction: str, gold: Quantity, question: str) -> Reading:
    text = clean(prediction)
    stated = quantities(prediction)  # its case names numbers: "Android 12"
    asked = {_stem(w) for w in words(question)}
    dimensions = set().union(*(d for cue, d in _ASKED_DIMENSIONS if cue.search(clean(question))))
    if not dimensions and not re.search(r"\bhow many\b", clean(question)):
        dimensions = set(_MEASURES)
    matches = [q for q in stated if same_quantity(q, gold, asked, dimensions)]
    in_question = quantities(question)
    rivals = [
        q
        for q in stated
        if not same_number(q, gold)
        and (
            _same_kind(q, gold)
            or same_quantity(replace(q, number=gold.number), gold, asked, dimensions)
        )
        and not (_a_year(text, q) and not _YEAR.fullmatch(gold.number))  # "100 in 2022"
        and not any(same_number(q, x) for x in in_question)  # "Apart from port 443, ..."
        and not _in_parentheses(text, q)  # "100 degrees Celsius (212 degrees Fahrenheit)"
        and not any(same_measure(q, m) for m in matches)  # "3 years (36 months)"
    ]
    # a value's place is where its number starts: the unit word may run past a clause break
    return _decide(
        text,
        question,
        [(q.start, q.start + 1) for q in matches],
        [(q.start, q.start + 1) for q in rivals],
    )


def _a_year(text: str, quantity: Quantity) -> bool:
    """Whether a bare number reads as a year ("in 2022"): a date of the claim, no rival count."""
    before = text[: quantity.start].split()[-1:]
    return (
        quantity.unit is None
        and bool(_YEAR.fullmatch(quantity.number))
        and bool(before and before[0] in ("in", "since", "by", "from", "until", "of"))
    )


def _in_parentheses(text: str, quantity: Quantity) -> bool:
    before = text[: quantity.start]
    return before.count("(") > before.count(")")


def same_quantity(
    stated: Quantity,
    gold: Quantity,
    asked: set[str] = frozenset(),
    dimensions: set[str] = frozenset(),
) -> bool:
    """Whether `stated` states the gold quantity.

    A bare number is judged by its value (unless it names something else: "Android 12" for "12
    devices"). Where the gold is bare, a unit the question names is fine ("7 days" for "7" when
    asked how many days), or one of the kind it asks for ("39 years" when asked how old), another
    is not ("8 eyes" for "8" legs). A named number ("Android 12") is stated by its number alone or
    with its name. Units of measure must fit ("2 weeks" = "14 days"; "75 GB" is not "75 MB" nor
    "75 seats"). A noun must be the gold's own, or one the question uses ("75 users" when asked
    how many users a plan allows), so "6 uploads" does not state "6 owners".
    """
    if gold.label is not None:  # a name with a number ("Android 12"): the number, or the name
        # "Tier 3B" reads as 3 of unit "b": the same letters after the number are the same name
        bare = stated.unit in (None, gold.unit) and stated.label in (None, gold.label)
        return bare and same_number(stated, gold)
    if gold.unit is None:  # the question names what is counted: "How many days...?" "7 days"
        counted = (
            stated.unit is None or _stem(stated.unit) in asked or stated.dimension in dimensions
        )
        return counted and same_number(stated, gold)
    if stated.unit is None:
        names_other = stated.label is not None and gold.label is None
        return not names_other and same_number(stated, gold)
    if stated.dimension or gold.dimension:
        return same_measure(stated, gold)
    noun = _stem(stated.unit)
    return (noun == _unit_stem(gold) or noun in asked) and same_number(stated, gold)


def _same_kind(stated: Quantity, gold: Quantity) -> bool:
    """A rival value for the gold quantity: bare, or in the gold's own unit."""
    if stated.unit is None:
        return True
    if stated.dimension and gold.dimension:
        return stated.dimension == gold.dimension and _unit_stem(stated) == _unit_stem(gold)
    return _unit_stem(stated) == _unit_stem(gold)


def _unit_stem(quantity: Quantity) -> str | None:
    return _stem(quantity.unit) if quantity.unit else None


def _stem(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _read_text(prediction: str, gold: str, question: str) -> Reading:
    """A gold matched as words: the whole name, or a form of it a reader accepts."""
    text = clean(prediction)
    spans = _find_words(text, words(gold))
    if not spans:
        shorter = [*names.short_forms(gold), *forms.unasked_forms(gold, question)]
        spans = [s for form in shorter for s in _find_words(text, words(form))]
        spans = [s for s in spans if not names.after_other_name(prediction, s[0], gold)]
    if not spans:
        spans = names.acronym_spans(prediction, gold)
    if not spans:
        spans = [s for form in forms.number_forms(gold) for s in _find_words(text, words(form))]
    shortened = None
    if not spans and (described := _INDEFINITE.match(fold(gold).strip())):
        # "an early wind tunnel": a description stays one with an adjective less ("a wind tunnel")
        spans = _find_words(text, words(described.group(1)))
        shortened = "the gold's description without its first modifier"
    for find, why in _LOOSE_FORMS:
        if not spans:
            spans, shortened = find(prediction, gold, question), why
    if not spans:
        return Reading(False, names.near_miss(prediction, gold, question))
    if all(reading.in_question(prediction, start) for start, _ in spans):
        return Reading(False, "the gold only inside a question: nothing asserted")
    if all(reading.denied_after(prediction, end) for _, end in spans):
        return Reading(False, "a negated claim about the value")
    if _SCORE.fullmatch(gold.strip()):  # "31–24": another score in the answer is a rival
        scores = [m.span() for m in _SCORE.finditer(text)]
        asked = {clean(m.group()) for m in _SCORE.finditer(question)}
        rivals = [s for s in scores if clean(text[s[0] : s[1]]) not in asked and s not in spans]
        rivals = [r for r in rivals if not any(r[0] <= s[0] < r[1] for s in spans)]
        return _decide(text, question, spans, rivals)
    found = _decide(text, question, spans, [])
    if not found.states:
        return found
    if shortened:
        found = Reading(True, shortened)
    # a whole name (its last word capitalised) extended by another word names something else
    named = gold.split()[-1][:1].isupper()
    if all(reading.about_other(prediction, start, question) for start, _ in spans):
        return Reading(False, "the gold as what another thing is named after or related to")
    if reading.rival_sentence(prediction, question, spans, gold):
        return Reading(False, "another sentence answering the question with another name")
    place = reading.asks_for_place(question)
    added = [reading.following_name(prediction, end) for _, end in spans]
    if named and all(added):
        known = reading.content_words(question) | reading.content_words(gold)
        if not any(reading.content_words(" ".join(a)) <= known for a in added):
            # "the Tennessee Senate" asked which state Senate is the gold's own name in full
            if any(reading.office_of(a) for a in added):
                return Reading(True, "the gold as the place of an office or body it names")
            more = " (a more specific place, or another)" if place else ""
            return Reading(False, f"the gold's words inside a longer name{more}")
    if named and place and all(reading.place_within(prediction, start) for start, _ in spans):
        return Reading(True, "a place named before the gold's, in it: more specific, true or not")
    if " and " not in gold and all(reading.list_item(prediction, *s, question) for s in spans):
        if reading.asks_for_several(question):
            return Reading(True, "one item of a list the question asks for")
        return Reading(False, "one item of a list of names, where one is asked")
    return found


def words(text: str) -> list[str]:
    """Lower-case words and numbers, punctuation dropped but decimals kept ("4.5", "1095")."""
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", clean(text))
    return re.findall(r"\d+(?:\.\d+)*|[^\W\d_]+", text)


def _find_words(text: str, needle: list[str]) -> list[tuple[int, int]]:
    """The (start, end) of every run of `needle`'s words in `text` (cleaned), punctuation aside."""
    if not needle:
        return []
    found = list(re.finditer(r"\d{1,3}(?:,\d{3})+\b(?:\.\d+)*|\d+(?:\.\d+)*|[^\W\d_]+", text))
    tokens = [m.group().replace(",", "") for m in found]
    size = len(needle)
    return [
        (found[i].start(), found[i + size - 1].end())
        for i in range(len(tokens) - size + 1)
        if tokens[i : i + size] == needle
    ]
