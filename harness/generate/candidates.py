"""Answers worth asking about, found in code: the answer-first half of question generation.

Per section, `candidates` finds spans a question could have as its answer, each with the
sentence that holds it as evidence: money, dates, times, durations, numbers with their units,
codes and ids (`BK-7`, `POST /api/v2/files`), names (people apart when a title says so:
"Father Edward Sorin"), and defined terms ("known as the Golden Dome", "Service Level Agreement
(SLA)"). A model then only phrases the question; the answer and its evidence are exact by
construction (`section.text[start:end] == answer`, and the evidence is the sentence around it).
From the hand labels of issue 33 item 4: a decade ("the 1920s") is a date, not a duration, and a
number joined to a word as a modifier ("a 20-win season", "a 24-hour channel") is no answer, as
its question ("a fifth straight how much season?") asks for nothing one can name; and an
abbreviation in brackets right after the words it abbreviates ("Master of Arts (MA)") is no
answer of its own, its question holding those words; nor is a title alone ("Fr" of "Fr. Sorin").
From the labels of the run without the reader check: a name's post-nominal letters ("John
Jenkins, C.S.C.") are no answer; a year is not a count of the word after it ("built in 1883
under"); a month and day are a date ("On May 19 thousands ..."); and a quotation is a title only
when it is written like one ("Notre Dame Victory March", not "In American college education,").

Numbers, money, units and dates come from `harness.scoring.values`, the parser the scorer uses,
so a candidate's answer is a value the scorer reads the same way. Sentences and names are
rules, not an NER model: spaCy's trained English pipelines are not published on PyPI (only
third-party re-uploads are), and GLiNER or a transformers NER model loads its weights from a hub
at run time, which this project cannot do. Rules need nothing installed, take 1.5 ms a section
on data/examples/docs and 5 ms on SQuAD's Notre Dame paragraphs (900 characters each), and there
a candidate equals the human-marked answer of 51% of the 269 questions and overlaps it for 91%
(measured for issue 33). What rules miss: a name written in lower case, a name starting a
sentence that the section never repeats mid-sentence, and whether a name is a person (only a
title before it says so: "Father", "Dr.").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from harness.generate.wording import STOPWORDS, spelled_out_in, split_sentences, word_set
from harness.ingest.sections import TITLE_SEPARATOR
from harness.scoring.values import clean, date_spans, fold, quantities, year_spans

DEFAULT_PER_SECTION = 3  # as conf/generate.yaml's facts_per_section
DEFAULT_PER_DOCUMENT = 8  # as conf/generate.yaml's max_facts_per_document

# The question word each kind of answer calls for; the report breaks accuracy down by kind.
WH_WORDS: dict[str, str] = {
    "money": "how much",
    "number": "how many",
    "quantity": "how much",  # a number in a measuring unit: "6.5 GB", "2 °C"
    "duration": "how long",
    "date": "when",
    "time": "what time",
    "code": "which",
    "person": "who",
    "name": "what",
    "term": "what",
}
# How much each kind is worth asking about, before the checks below lower it: exact values
# first, since a wrong answer to them is plainly wrong; a bare number last.
_KIND_WEIGHT = {
    "money": 1.0, "date": 0.95, "code": 0.9, "quantity": 0.9, "duration": 0.9, "time": 0.85,
    "person": 0.85, "term": 0.8, "name": 0.75, "number": 0.7,
}  # fmt: skip
# Overlapping spans: the earlier kind here wins ("March 2026" is a date, not the name "March").
_PRIORITY = ("date", "time", "money", "code", "duration", "quantity", "number", "term", "person")
_MEASURES = {"bytes", "%", "usd", "eur", "gbp"}
# Units `values` does not convert but that measure, not count ("25 m", "2.4 GHz", "40 degrees");
# a unit of at most three letters is taken as one too.
_MEASURE_WORDS = word_set(
    "degree degrees inch inches foot feet mile miles metre metres meter meters kilometre "
    "kilometres kilometer kilometers gram grams kilogram kilograms pound pounds litre litres "
    "liter liters watt watts volt volts amp amps hertz acre acres hectare hectares ton tons "
    "tonne tonnes"
)
_HONORIFICS = word_set(
    "mr mrs ms dr prof professor saint st father fr sister brother president pope cardinal "
    "bishop archbishop sir lady king queen general rev reverend coach senator governor"
)
_MONTH_NAMES = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
)
# A decade, which `values` reads as seconds: "the 1920s", "the '90s"
_DECADE = re.compile(r"(?:(?<![\w'’])(?:1\d|20)\d0|(?<=['’])\d0)s\b")
_MONTH_YEAR = re.compile(rf"\b(?:{_MONTH_NAMES})\.?,?\s+(?:1[0-9]{{3}}|20[0-9]{{2}})\b")
_MONTH_DAY = re.compile(rf"\b(?:{_MONTH_NAMES})\.? (?:[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?\b")
# Words `values` may read as the unit of the number before them that never are one
_NOT_UNITS = word_set(
    "under over after before since until till by from with without during about around between "
    "among against toward towards through across into onto upon via per than as when while where"
)
# A name's post-nominal letters after a comma: "John I. Jenkins, C.S.C.", "Ann Hale, O.P."
_POST_NOMINAL = re.compile(r"(?:[A-Z]\.){2,}")
_TIMES = re.compile(
    r"\b(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s?(?:[ap]\.m\.|[AaPp][Mm]\b))?(?:\s?UTC\b)?"
    r"|\b(?:1[0-2]|0?[1-9])\s?(?:[ap]\.m\.|[AaPp][Mm]\b)|\b(?:midnight|noon)\b"
)
_CODES = re.compile(
    r"\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+/[\w\-./{}:]*[\w}]"  # an HTTP call
    r"|(?<![\w/])/[A-Za-z0-9_\-.]+(?:/[\w\-.{}:]+)+"  # a path
    r"|`[^`\n]{1,60}`"  # Markdown's inline code
    r"|\b[A-Z][A-Z0-9]*(?:[-_][A-Za-z0-9]+)+\b"  # BK-7, HT-2040, ACS-2214
    r"|\b[a-z]+(?:-[a-z0-9]+)*-[0-9]+[a-z0-9]*\b"  # eu-lks-2
    r"|\b[A-Z]{1,5}[0-9]+[A-Z0-9]*\b"  # E404, H2 (unless a name's last word: "Heliotrope H2")
    r"|\b[0-9]+\.[0-9]+\.[0-9]+(?:\.[0-9]+)*\b"  # a version: 5.8.2
)
# A name: capitalised words, with "of", "the"... inside ("Basilica of the Sacred Heart").
# Initials first ("M." not "M"; "U.S." whole), and never from inside "U.S." ("S. News").
_CAPITAL = r"(?:(?:[A-Z]\.)+|[A-Z][\w’'&]*(?:-[\w’']+)*)"
_JOINER = r"(?:of|the|for|de|du|da|del|la|le|van|von|&)"
_NAME = re.compile(rf"(?<![\w.]){_CAPITAL}(?: (?:{_JOINER} )*{_CAPITAL})*")
_QUOTED = re.compile(r"[\"“]([^\"“”\n]{2,80})[\"”]")
_TERM_AFTER = re.compile(
    r"\b(?:called|known as|referred to as|termed|dubbed|nicknamed|named)\s+(?:the\s)?"
)
_ACRONYM = re.compile(rf"({_CAPITAL}(?: (?:{_JOINER} )*{_CAPITAL})+) \(([A-Z][A-Za-z]*[A-Z])\)")
_TERM_DEFINED = re.compile(
    r"^(?:An?\s|The\s)?([\w-]+(?:\s[\w-]+){0,3})\s(?:is defined as|means|refers to|stands for"
    r"|is short for)\s"
)


class SectionText(Protocol):
    """What a candidate is found in: a corpus row (`harness.generate.records.Section`)."""

    @property
    def id(self) -> str: ...
    @property
    def document(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class Candidate:
    """An answer found in a section: `section text[start:end] == answer`, inside `evidence`."""

    answer: str
    kind: str  # a key of WH_WORDS
    evidence: str  # the sentence (or list item, table row) that holds the answer, exact
    start: int
    end: int
    evidence_start: int  # where the evidence starts in the section text
    section_id: str
    document: str
    headings: tuple[str, ...]  # the row title's heading path: ("Manual", "Setup", "Network")
    score: float  # higher is asked first

    @property
    def wh(self) -> str:
        """The question word its kind calls for: "how many", "when", "who"..."""
        return WH_WORDS[self.kind]


def candidates(
    sections: Iterable[SectionText],
    per_section: int = DEFAULT_PER_SECTION,
    per_document: int = DEFAULT_PER_DOCUMENT,
) -> list[Candidate]:
    """Ranked answers for `sections`: at most `per_section` from a section, kinds spread, and
    at most `per_document` from a document, taken round-robin over its sections (every
    section's best before any section's second); documents in the order first seen."""
    by_document: dict[str, list[list[Candidate]]] = {}
    for section in sections:
        ranked = choose(section_candidates(section), per_section)
        by_document.setdefault(section.document, []).append(ranked)
    chosen: list[Candidate] = []
    for queues in by_document.values():
        taken = [q[depth] for depth in range(per_section) for q in queues if depth < len(q)]
        chosen.extend(taken[:per_document])
    return chosen


def choose(found: Sequence[Candidate], limit: int) -> list[Candidate]:
    """The best `limit` candidates of one section, each answer once, a kind already chosen
    counting for less each time so that a section of prices still gives its date."""
    left = list(found)
    chosen: list[Candidate] = []
    kinds: Counter[str] = Counter()
    answers: set[str] = set()
    while left and len(chosen) < limit:
        best = max(left, key=lambda c: (c.score * 0.6 ** kinds[c.kind], -c.start))
        left.remove(best)
        if best.answer.casefold() in answers:
            continue
        chosen.append(best)
        kinds[best.kind] += 1
        answers.add(best.answer.casefold())
    return chosen


def section_candidates(section: SectionText) -> list[Candidate]:
    """Every candidate in one section, uncapped, best first."""
    text = section.text
    headings = tuple(h for h in section.title.split(TITLE_SEPARATOR) if h)
    sentences = split_sentences(text)
    spans = _resolve(_spans(text, sentences))
    found = []
    lowered, heading_text = text.casefold(), " ".join(headings).casefold()
    for start, end, kind in spans:
        answer = text[start:end]
        sentence = next((s for s in sentences if s[0] <= start and end <= s[1]), None)
        if sentence is None or not _worth_asking(answer, text[sentence[0] : sentence[1]]):
            continue
        evidence = text[sentence[0] : sentence[1]]
        score = _score(kind, answer, evidence, lowered, heading_text)
        found.append(
            Candidate(answer, kind, evidence, start, end, sentence[0], section.id,
                      section.document, headings, round(score, 4))
        )  # fmt: skip
    return sorted(found, key=lambda c: (-c.score, c.start))


def _spans(text: str, sentences: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Every (start, end, kind) the patterns find, overlaps and all."""
    found = list(_value_spans(text))
    found += [(m.start(), m.end(), "date") for m in _MONTH_YEAR.finditer(text)]
    found += [(m.start(), m.end(), "date") for m in _MONTH_DAY.finditer(text)]
    found += [(m.start(), m.end(), "time") for m in _TIMES.finditer(text)]
    for match in _CODES.finditer(text):
        start, end = match.span()
        if match.group().startswith("`"):
            start, end = start + 1, end - 1  # the code, not its backticks
        elif re.fullmatch(r"[A-Z]{1,5}[0-9]+[A-Z0-9]*", match.group()) and re.search(
            r"[A-Z][a-z]+ $", text[max(0, start - 30) : start]
        ):
            continue  # the last word of a name: "Heliotrope H2"
        found.append((start, end, "code"))
    found += list(_name_spans(text, sentences))
    found += list(_term_spans(text, sentences))
    asides = list(_abbreviations(text))
    return [s for s in found if not any(a <= s[0] and s[1] <= b for a, b in asides)]


def _abbreviations(text: str) -> Iterable[tuple[int, int]]:
    """An abbreviation in brackets right after the words it abbreviates ("Master of Arts (MA)"):
    no answer of its own, as a question about it holds its words."""
    for match in re.finditer(r"\(([A-Z][A-Z&]*[A-Z])\)", text):
        if spelled_out_in(match[1], text[max(0, match.start() - 200) : match.start()], True):
            yield match.span(1)


def _value_spans(text: str) -> Iterable[tuple[int, int, str]]:
    """Money, quantities, durations, numbers and dates, as `harness.scoring.values` reads them."""
    folded = fold(text)
    if len(folded) != len(text) or len(clean(text)) != len(text):
        return  # NFKC changed the length ("½"): offsets would not map back; rare, skipped
    for quantity in quantities(text):
        start, end = quantity.span or (quantity.start, quantity.end)
        if re.match(r"[\w.,]+-[^\W\d_]", text[quantity.start : end]):
            continue  # a compound modifier ("a 20-win season"): no amount of anything to ask
        unit, dimension = quantity.unit, quantity.dimension
        written = text[quantity.start : end].split()[-1]
        currency = dimension in {"usd", "eur", "gbp"}
        named = written[:1].isupper() and len(written) > 3 and unit not in _MEASURE_WORDS
        preposition = written.casefold() in _NOT_UNITS
        if unit and not currency and (named or preposition or text[end : end + 1] == "/"):
            # "two OpenTherm wires", "802.11 b/g/n", "in 1883 under": a name, a list or a
            # preposition follows, not a unit
            end = quantity.start + len(text[quantity.start : end].split()[0])
            unit = dimension = None
        degrees = re.match(r"\s?°\s?[CF]?|\s(?:Celsius|Fahrenheit)\b", text[end:])
        if degrees and (unit in (None, "degree", "degrees") or text[end] == "°"):
            end += degrees.end()
        if text[quantity.start : end].casefold().split()[0] == "one":
            continue  # "one of the", "one round dial": rarely a count worth asking
        if currency:
            kind = "money"
        elif (decade := _DECADE.match(text, start)) and decade.end() == end:
            kind = "date"
        elif dimension in {"seconds", "months"}:
            kind = "duration"
        elif dimension in _MEASURES or degrees or unit in _MEASURE_WORDS:
            kind = "quantity"
        elif unit is not None and len(unit) <= 3 and unit.isalpha() and unit not in STOPWORDS:
            kind = "quantity"  # "25 m", "12 V", "2.4 GHz"
        elif unit is None and re.fullmatch(r"1[0-9]{3}|20[0-9]{2}", quantity.number):
            kind = "date"  # a year alone
        elif quantity.number.count(".") > 1 or (
            unit is None and quantity.label and "." in quantity.number
        ):
            kind = "code"  # a version: "5.8.2", "Thread 1.3"
        else:
            kind = "number"
        yield start, end, kind
    for _, start, end in date_spans(text):
        yield start, end, "date"
    for _, _, start, end in year_spans(text):
        yield start, end, "date"


def _name_spans(text: str, sentences: list[tuple[int, int]]) -> Iterable[tuple[int, int, str]]:
    """Runs of capitalised words, less a sentence's first word when it is only capitalised
    because it starts the sentence; "person" when a title comes first ("Saint", "Dr.")."""
    starts = {s for s, _ in sentences}
    for match in _NAME.finditer(text):
        start, end = match.span()
        words = match.group().split()
        opening = start in starts or text[max(0, start - 2) : start] == "| "
        # capitalised maybe only because it starts the sentence: a name if it is capitalised
        # inside a sentence too
        if opening and not _capitalised_inside(text, words[0], starts):
            if len(words) == 1:
                continue
            start = text.index(words[1], start + len(words[0]))
            words = words[1:]
        if len(words) == 1 and words[0].casefold() in STOPWORDS | _HONORIFICS:
            continue  # a title alone: "Fr. Sorin" is cut at the full stop
        if re.fullmatch(rf"(?:{_MONTH_NAMES})|[A-Z]\.?|[IVX]+", " ".join(words)):
            continue
        if _POST_NOMINAL.fullmatch(" ".join(words)) and re.search(r"\w, $", text[:start]):
            continue  # "Jenkins, C.S.C.": the letters of an order after a name
        if text[end - 2 : end] in ("'s", "’s"):
            end -= 2  # "Zahm House's": the name, not its possessive
        honorific = words[0].rstrip(".").casefold() in _HONORIFICS and len(words) > 1
        yield start, end, "person" if honorific else "name"
    for match in _QUOTED.finditer(text):
        if _written_as_title(match.group(1)):
            yield match.start(1), match.end(1), "name"  # a title: "Venite Ad Me Omnes"


def _written_as_title(quoted: str) -> bool:
    """Whether a quotation reads as a title ("Win One for the Gipper"), not as speech: short,
    not ending in punctuation, its first word and most of its other words capitalised."""
    words = quoted.split()
    if not quoted[:1].isupper() or len(words) > 8 or quoted.rstrip()[-1:] in ".,;:!?":
        return False
    content = [w for w in words[1:] if w.casefold() not in STOPWORDS]
    return sum(w[:1].isupper() for w in content) * 2 >= len(content)


def _capitalised_inside(text: str, word: str, starts: set[int]) -> bool:
    """Whether `word` appears capitalised other than at a sentence's start: a name, not just
    a sentence's first word."""
    if word.casefold() in STOPWORDS:
        return False
    found = re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)
    return any(m.start() not in starts and text[m.start() - 2 : m.start()] != "| " for m in found)


def _term_spans(text: str, sentences: list[tuple[int, int]]) -> Iterable[tuple[int, int, str]]:
    """Defined terms: "known as X", "X (XYZ)", "X means ..." at a sentence's start."""
    for match in _TERM_AFTER.finditer(text):
        rest = text[match.end() :]
        quoted = _QUOTED.match(rest) or re.match(r"()([^\s,.;:()]+)(?=[,.;:)]|$)", rest)
        named = _NAME.match(rest)
        if quoted is not None and quoted.group().startswith(('"', "“")):
            yield match.end() + quoted.start(1), match.end() + quoted.end(1), "term"
        elif named is not None:
            yield match.end(), match.end() + named.end(), "term"
        elif quoted is not None:
            yield match.end() + quoted.start(2), match.end() + quoted.end(2), "term"
    for match in _ACRONYM.finditer(text):
        yield match.start(1), match.end(1), "term"
    for start, end in sentences:
        defined = _TERM_DEFINED.match(text[start:end])
        if defined:
            yield start + defined.start(1), start + defined.end(1), "term"


def _resolve(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Spans that do not overlap: by kind priority, then the longer, then the earlier."""
    rank = {kind: i for i, kind in enumerate(_PRIORITY)}
    kept: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(
        set(spans), key=lambda s: (rank.get(s[2], len(rank)), s[0] - s[1], s[0])
    ):
        if start < end and all(end <= s or start >= e for s, e, _ in kept):
            kept.append((start, end, kind))
    return sorted(kept)


def _worth_asking(answer: str, evidence: str) -> bool:
    """Not a stop word, not punctuation, not the whole sentence (the question would have
    nothing left to ask with)."""
    words = re.findall(r"\w+", answer.casefold())
    if not words or all(w in STOPWORDS for w in words):
        return False
    return len(words) <= 10 and len(answer) < 0.8 * len(evidence.rstrip(".!? "))


def _score(kind: str, answer: str, evidence: str, section: str, headings: str) -> float:
    """How well the answer makes a question: its kind's weight, less when the heading gives it
    away, when the section says it more than once (which mention is asked?), when a bare
    number is small, or when the sentence is too short or long to ask from."""
    score = _KIND_WEIGHT[kind]
    needle = answer.casefold()
    if needle in headings:
        score *= 0.4
    if len(re.findall(rf"(?<!\w){re.escape(needle)}(?!\w)", section)) > 1:
        score *= 0.7
    if kind == "number" and re.fullmatch(r"\d", answer):
        score *= 0.7
    words = len(evidence.split())
    if words < 5 or words > 50:
        score *= 0.8
    return score
