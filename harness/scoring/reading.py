"""How a value found in a prediction is said: the clause around it, read as a careful reader would.

The rules in `correctness` find the gold value; these functions look at the words around it:
- `other_event`: a second value of the asked kind in a clause about something else ("established
  in 1842 with the first degrees given in 1849") is context, not a hedge;
- `negated`: a negation or contrast right before the value ("not BBC Radio 5 Live", "prior to the
  creation of X") says the value is not the answer;
- `list_item`: the value as one item of a list of names ("Michael J. Shea and John F. Shea") answers
  a question asking for several, and hedges on one asking for one;
- `longer_name`: the gold's words inside a longer name ("Notre Dame Stadium" for "Notre Dame");
- `about_other`: the gold as what another thing is named after or related to ("the ballroom named
  after Jane Doe", "the wife of Jane Doe"), where the question asks for neither;
- `rival_sentence`: another sentence that answers the question as well with another name ("The
  winner is Chile. Officials later said the winner was Peru.");
- `place_within`: a place named before the gold, in it ("Springfield, Ohio" for "Ohio"), where the
  question asks where: more specific than the gold, true or not;
Where these decide, the verdict is marked uncertain: a word pattern, not an understanding.
"""

from __future__ import annotations

import re

from harness.scoring.values import fold

# Where a clause ends: a sentence end, a comma or semicolon, or a word starting another clause.
_CLAUSE_BREAK = re.compile(
    r"[.;!?]\s|[,;:()]|\s(?:and|but|while|whereas|with|which|who|when|then|so)\s"
)
_STOPWORDS = frozenset(
    {"a", "an", "the", "of", "in", "on", "at", "to", "for", "by", "from", "with", "and", "or",
     "but", "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "do", "does",
     "did", "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "that", "this",
     "these", "those", "it", "its", "as", "into", "than", "then", "there", "their", "they", "he",
     "she", "his", "her", "them", "our", "your"}
)  # fmt: skip
# A negation or contrast right before the value (within the clause, a few words before it).
_NEGATION = re.compile(
    r"\b(?:not|never|no|none|neither|nor|without|instead\sof|rather\sthan|prior\sto|other\sthan"
    r"|except(?:\sfor)?|unlike)\b|n't\b"
)
# Phrases with a negation word that still assert the value ("no more than 5", "not until 1924").
_BOUNDS = re.compile(
    r"\b(?:no|not)\s(?:more|less|fewer|later|earlier|longer|sooner)\sthan\b|\bnot\s(?:until|only)\b"
    r"|\bno\sexceptions?\b"
)
_NEGATION_WINDOW = 6  # words before the value that a negation can govern
# Words right before a name that make the clause about another thing named after or related to it
_ABOUT_OTHER = re.compile(
    r"\b(?:(?:re)?named\s(?:after|for)|in\shonou?r\sof|in\smemory\sof|dedicated\sto|tribute\sto"
    r"|(?:wife|husband|widow|son|daughter|mother|father|sister|brother|spouse)\sof)"
    r"(?:\s(?:[A-Z][\w.'-]*|the))*\s$"
)
_ABOUT_ASK = re.compile(
    r"named|hono(?:u)?r|memory|dedicated|tribute|wife|husband|widow|son|daughter|mother|father"
    r"|sister|brother|spouse|relative",
    re.IGNORECASE,
)
# Capitalised words that name no rival answer: months, days, the pronoun "I"
_NOT_NAMES = re.compile(
    r"(?i)(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*|(?:mon|tues|wednes|thurs"
    r"|fri|satur|sun)day|i"
)
# Abbreviations whose full stop ends no sentence
_SHORT_TITLES = frozenset(
    {"rev", "fr", "dr", "mr", "mrs", "ms", "st", "sr", "jr", "gov", "sen", "rep", "gen", "lt",
     "col", "prof", "no", "vs", "inc", "co", "corp", "ltd", "u.s", "u.k", "d.c", "e.g", "i.e"}
)  # fmt: skip
# Offices and bodies a place names ("the Ohio Senate", "New York Governor")
_OFFICES = frozenset(
    {"mayor", "governor", "senate", "senator", "legislature", "assembly", "parliament",
     "council", "government", "president", "premier", "police", "congress", "court", "army"}
)  # fmt: skip
# A negated claim right after the value: "X is not ...", "X hasn't ...", "X never ..."
_DENIED_AFTER = re.compile(
    r",?\s+(?:(?:is|was|are|were|has|have|had|does|do|did|will|would|can|could|should)"
    r"(?:\s+(?:not|never)\b|n't\b)|won't\b|can't\b|cannot\b|never\b)(?!\s+(?:only|until)\b)"
)
# A question asking for a place
_PLACE_ASK = re.compile(
    r"\bwhere\b|\b(?:which|what)\s(?:\w+\s)?(?:country|state|city|town|region|province|county"
    r"|island|place|nation|capital|village|area)\b",
    re.IGNORECASE,
)
# A question asking for several things: "What songs ...", "Which products ...", "Name two ..."
_PLURAL_ASK = re.compile(
    r"\b(?:what|which)\s(?:\w+\s){0,2}?(?!(?:is|was|has|does|this|its|his|class|press)\b)\w+[^s\W]s\b"
    r"|\bwho\s(?:are|were)\b|\bname\s(?:two|three|four|five|some|the)\b",
    re.IGNORECASE,
)


def clause_at(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the clause of `text` holding `text[start:end]`."""
    left, right = 0, len(text)
    for match in _CLAUSE_BREAK.finditer(text):
        if match.end() <= start:
            left = match.end()
        elif match.start() >= end:
            right = match.start()
            break
    return left, right


def content_words(text: str) -> set[str]:
    """Lower-case content words of `text`, a plural -s dropped, numbers and stop words left out."""
    found = re.findall(r"[^\W\d_]+", fold(text).lower())
    return {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in found} - _STOPWORDS


def other_event(text: str, question: str, value: tuple[int, int], rival: tuple[int, int]) -> bool:
    """Whether a rival value is said of another thing than the asked value is: in a clause of its
    own whose words match the question less than the value's clause does."""
    mine, theirs = clause_at(text, *value), clause_at(text, *rival)
    if mine == theirs:
        return False
    asked = content_words(question)
    own = len(content_words(text[mine[0] : mine[1]]) & asked)
    other = len(content_words(text[theirs[0] : theirs[1]]) & asked)
    return own > other


def negated(text: str, start: int, question: str = "") -> bool:
    """Whether a negation or contrast in the clause, a few words before `start`, governs the value
    (one the question itself uses, "Which department does not ...?", does not count)."""
    left, _ = clause_at(text, start, start)
    before = " ".join(fold(text[left:start]).lower().split()[-_NEGATION_WINDOW:])
    before = _BOUNDS.sub(" ", before)
    if not _NEGATION.search(before):
        return False
    return not _NEGATION.search(_BOUNDS.sub(" ", fold(question).lower()))


def asks_for_several(question: str) -> bool:
    """Whether the question asks for several things ("What songs ...?")."""
    return bool(_PLURAL_ASK.search(question))


def list_item(text: str, start: int, end: int, question: str = "") -> bool:
    """Whether `text[start:end]` is one item of a list of capitalised names joined by "and" or
    "or" ("A, B and C"); a comma alone is an apposition ("Halifax, Canada"). A list of two whose
    other item is a name the question says ("between Chile and Peru" asked what Chile did) is
    none: the answer beside the question's own subject."""
    original = fold(text)
    sentence_end = re.search(r"[.!?](?:\s|$)", original[end:])
    rest = original[end : end + sentence_end.start()] if sentence_end else original[end:]
    joined = re.compile(r"\s(?:and|or)\s+(?:the\s+)?[A-Z]")
    after = re.match(r",?\s(?:and|or)\s+(?:the\s+)?([A-Z][\w'-]*)", rest)
    after = after or (re.match(r",\s*(?:the\s+)?[A-Z]", rest) and joined.search(rest))
    before = re.search(r"([A-Z][\w.'-]*),?\s(?:and|or)\s+(?:the\s+)?$", original[:start])
    if not (after or before):
        return False
    others = [m.group(1) for m in (after, before) if m and m.re.groups]
    asked = content_words(question)
    longer = re.match(r",\s*[A-Z]", rest) or (
        before and re.search(r"[A-Z][\w'-]*,\s*$", original[: before.start()])
    )
    pair = not (after and before) and len(others) == 1 and not longer
    return not (pair and asked and content_words(others[0]) <= asked)


def longer_name(text: str, end: int) -> bool:
    """Whether a capitalised word right after `end` extends the match into another name."""
    return bool(re.match(r"\s[A-Z][a-z]", fold(text)[end:]))


def following_name(text: str, end: int) -> list[str]:
    """The capitalised words right after `end` that extend the match into a longer name."""
    run = re.match(r"(?:\s[A-Z][a-z][\w'-]*)+", fold(text)[end:])
    return run.group().split() if run else []


def office_of(words: list[str]) -> bool:
    """Whether a longer name's added words start with an office or a body ("New York Governor",
    "the Ohio Senate"): the gold as the place that office serves."""
    return bool(words) and words[0].lower() in _OFFICES


def denied_after(text: str, end: int) -> bool:
    """Whether the value is the subject of a negated claim right after it ("Lima is not ...",
    "Lima has never ...")."""
    return bool(_DENIED_AFTER.match(fold(text)[end:].lower()))


def in_question(text: str, start: int) -> bool:
    """Whether the value's sentence is a question: it asks, it asserts nothing."""
    original = fold(text)
    return any(s <= start < e and original[s:e].rstrip().endswith("?") for s, e in
               sentence_bounds(original))  # fmt: skip


def asks_for_place(question: str) -> bool:
    """Whether the question asks where, or for a country, city or other place."""
    return bool(_PLACE_ASK.search(question))


def place_within(text: str, start: int) -> bool:
    """Whether a capitalised name and a comma come right before `start`: "Springfield, Ohio"."""
    return bool(re.search(r"[A-Z][\w.'-]*(?:\s[A-Z][\w.'-]*)*,\s*$", fold(text)[:start]))


def about_other(text: str, start: int, question: str) -> bool:
    """Whether the name at `start` is what another thing is named after or related to ("the
    ballroom named after First Lady Jane Doe"), where the question asks for no such thing."""
    left, _ = clause_at(text, start, start)
    return bool(_ABOUT_OTHER.search(fold(text)[left:start])) and not _ABOUT_ASK.search(question)


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each sentence of `text`; an initial ("John F. Shea") or a short title
    ("Rev.", "Gov.") ends none."""
    bounds, start = [], 0
    for match in re.finditer(r"[.!?](?=\s|$)", text):
        word = re.search(r"[\w.'-]*$", text[: match.start()]).group()
        if match.group() == "." and (re.fullmatch(r"[A-Z]", word) or word.lower() in _SHORT_TITLES):
            continue
        bounds.append((start, match.end()))
        start = match.end()
    if text[start:].strip():
        bounds.append((start, len(text)))
    return bounds


def rival_sentence(text: str, question: str, spans: list[tuple[int, int]], gold: str) -> bool:
    """Whether the gold's sentence, the first, is followed by one that restates every word of the
    question it does (at least one), names something the question and the gold do not, and
    denies nothing: a second, conflicting answer ("The winner is Chile. Officials later said the
    winner was Peru."). A gold later in a paragraph is left alone: context names many things."""
    original = fold(text)
    sentences = sentence_bounds(original)
    asked = content_words(question)
    known = asked | content_words(gold)
    if not sentences or not any(s < sentences[0][1] for s, _ in spans):
        return False
    own = content_words(original[: sentences[0][1]]) & asked
    for start, end in sentences[1:]:
        sentence = original[start:end]
        if any(start <= s < end for s, _ in spans) or _NEGATION.search(sentence.lower()):
            continue
        if not own or not own <= content_words(sentence):
            continue
        found = re.findall(r"[\w'-]+", sentence)
        # the first word is capitalised as the sentence's start
        names = [w for w in found[1:] if w[:1].isupper() and not _NOT_NAMES.fullmatch(w)]
        if any(content_words(w).isdisjoint(known) for w in names):
            return True
    return False
