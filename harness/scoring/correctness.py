"""Does a prediction state the gold answer? Judged as a careful reader would, not by its format.

- Numbers are compared as numbers: "The plan has 75." states "75 seats" (a bare number is the
  asked quantity), and so does "75 users" when the question asks how many users; "75 GB" does not
  state "75 MB", "75 days" not "75 seats", "Android 12" not "12 devices", "4.5" is not "45".
- Dates are compared as dates: "9 March 2023", "March 9th, 2023" and "2023-03-09" are one date.
- Anything else (names, codes, endpoints, commands) must appear as whole words, punctuation aside.
- Hedging is wrong: an answer that also asserts another value of the asked kind ("75 or 60
  seats", "March 9 or March 19, 2023") does not state the answer. Numbers the question itself
  contains ("Apart from port 443, ...") are not counted as asserted values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from harness.scoring.values import (
    Quantity,
    clean,
    dates,
    quantities,
    same_measure,
    same_number,
)

# A gold answer is "a quantity" when, besides its number and unit, it has at most this many words
# ("45 requests per minute", "port 9443", "macOS 12.4"); otherwise it is matched as text.
_MAX_OTHER_WORDS = 3


def states_answer(prediction: str, answers: Sequence[str], question: str = "") -> bool:
    """Whether `prediction` states one of the gold `answers` and asserts no rival value."""
    return any(_states(prediction, gold, question) for gold in answers)


def _states(prediction: str, gold: str, question: str) -> bool:
    if gold_dates := dates(gold):
        asserted = set(dates(prediction)) - set(dates(question))
        return asserted == {gold_dates[0]}
    if (gold_quantity := _as_quantity(gold)) is not None:
        return _states_quantity(prediction, gold_quantity, question)
    return _contains_words(words(prediction), words(gold))


def _as_quantity(gold: str) -> Quantity | None:
    found = quantities(gold)
    if len(found) != 1:
        return None
    (quantity,) = found
    other = clean(gold[: quantity.start] + " " + gold[quantity.end :])
    if re.search(r"\d", other):  # "+1-415-555-0173", "Windows 10 build 19045": matched as text
        return None
    return quantity if len(re.findall(r"[a-z]+", other)) <= _MAX_OTHER_WORDS else None


def _states_quantity(prediction: str, gold: Quantity, question: str) -> bool:
    stated = quantities(prediction)
    asked = {_stem(w) for w in words(question)}
    matches = [q for q in stated if same_quantity(q, gold, asked)]
    in_question = quantities(question)
    rivals = [
        q
        for q in stated
        if not same_number(q, gold)
        and _same_kind(q, gold)
        and not any(same_number(q, x) for x in in_question)  # "Apart from port 443, ..."
        and not _in_parentheses(prediction, q)  # "100 degrees Celsius (212 degrees Fahrenheit)"
    ]
    return bool(matches) and not rivals


def _in_parentheses(text: str, quantity: Quantity) -> bool:
    before = text[: quantity.start]
    return before.count("(") > before.count(")")


def same_quantity(stated: Quantity, gold: Quantity, asked: set[str] = frozenset()) -> bool:
    """Whether `stated` states the gold quantity.

    A bare number is judged by its value (unless it names something else: "Android 12" for "12
    devices"). Where the gold is bare, a unit the question names is fine ("7 days" for "7" when
    asked how many days), another is not ("8 eyes" for "8" legs). A named number ("Android 12")
    is stated by its number alone or with its name. Units of measure must fit ("2 weeks" = "14
    days"; "75 GB" is not "75 MB" nor "75 seats"). A noun must be the gold's own, or one the
    question uses ("75 users" when asked how many users a plan allows), so "6 uploads" does not
    state "6 owners".
    """
    if gold.label is not None:  # a name with a number ("Android 12"): the number, or the name
        # "Tier 3B" reads as 3 of unit "b": the same letters after the number are the same name
        bare = stated.unit in (None, gold.unit) and stated.label in (None, gold.label)
        return bare and same_number(stated, gold)
    if gold.unit is None:  # the question names what is counted: "How many days...?" "7 days"
        counted = stated.unit is None or _stem(stated.unit) in asked
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


def words(text: str) -> list[str]:
    """Lower-case words and numbers, punctuation dropped but decimals kept ("4.5", "1095")."""
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", clean(text))
    return re.findall(r"\d+(?:\.\d+)*|[^\W\d_]+", text)


def _contains_words(haystack: list[str], needle: list[str]) -> bool:
    size = len(needle)
    starts = range(len(haystack) - size + 1)
    return size > 0 and any(haystack[i : i + size] == needle for i in starts)
