"""Values stated in a text: numbers with their units, and dates, compared as values, not strings.

"75 seats", "75", "seventy-five seats" and "75 Seats." state the same number; "4.5 minutes" and
"45 minutes" do not; "17.5%" equals "17.5 percent"; "1,095 days" equals "1095 days"; "2 weeks"
equals "14 days". A version such as "5.8.2" is one value, not the numbers 5.8 and 2.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# A number not glued to a word before it ("ACS-2214", "v3", "eu-lks-2" hold codes, not numbers):
# thousands groups, a decimal part, or a dotted version.
_NUMBER = r"(?<![\w.\-/])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)*)(?![\d/]|[.,]\d)"
_WORD_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
}  # fmt: skip
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SPELLED = (
    r"(?<![\w-])(?:(?:" + "|".join(_TENS) + r")[- ](?:one|two|three|four|five|six|seven|eight|nine)"
    r"|" + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True)) + r")(?![\w-])"
)
# "5 million", "$400m", "$1.1 bn": the scale multiplies the number; the short forms only after a
# currency sign ("400m" alone may be metres)
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_SHORT_SCALES = {"k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9}
_MENTION = re.compile(
    rf"(?P<currency>\$|€|£)?\s?(?P<number>{_NUMBER}|{_SPELLED})"
    r"(?:\s?(?P<scale>thousand|million|billion|trillion|k|mn|m|bn)\b)?"
    r"(?:-|\s?)(?P<after>%|[a-z]+)?"
)
# A span of years: "1952–87", "1987-2005", "from 1952 to 1987", "between 1982 and 1986"
_YEAR = r"(1[0-9]{3}|20[0-9]{2})"
_YEAR_SPANS = (
    re.compile(rf"\b{_YEAR}\s?(?:–|—|-|to|until|through)\s?([0-9]{{2}}|{_YEAR[1:-1]})\b"),
    re.compile(rf"\bbetween\s{_YEAR}\sand\s([0-9]{{2}}|{_YEAR[1:-1]})\b"),
)

# Units a reader treats as the same, mapped to one name and a factor to a base unit of a dimension.
_UNITS: dict[str, tuple[str, float]] = {}
for _names, _dimension, _factor in (
    (("%", "percent", "per cent", "pct", "percentage"), "%", 1.0),
    (("usd", "dollar", "dollars", "$"), "usd", 1.0),
    (("eur", "euro", "euros", "€"), "eur", 1.0),
    (("gbp", "pound", "pounds", "£"), "gbp", 1.0),
    (("b", "byte", "bytes"), "bytes", 1.0),
    (("kb", "kilobyte", "kilobytes"), "bytes", 1e3),
    (("mb", "megabyte", "megabytes"), "bytes", 1e6),
    (("gb", "gigabyte", "gigabytes"), "bytes", 1e9),
    (("tb", "terabyte", "terabytes"), "bytes", 1e12),
    (("ms", "millisecond", "milliseconds", "msec"), "seconds", 1e-3),
    (("s", "sec", "secs", "second", "seconds"), "seconds", 1.0),
    (("min", "mins", "minute", "minutes"), "seconds", 60.0),
    (("h", "hr", "hrs", "hour", "hours"), "seconds", 3600.0),
    (("day", "days"), "seconds", 86400.0),
    (("week", "weeks", "wk", "wks"), "seconds", 7 * 86400.0),
    (("month", "months"), "months", 1.0),
    (("year", "years", "yr", "yrs"), "months", 12.0),
    # measures a bare gold number is often given without ("340" for "340 metres"); no "m": "400m"
    # after a currency sign is a scale, and alone it stays a code as before
    (("metre", "metres", "meter", "meters"), "length", 1.0),
    (("cm", "centimetre", "centimetres", "centimeter", "centimeters"), "length", 0.01),
    (("km", "kilometre", "kilometres", "kilometer", "kilometers"), "length", 1e3),
    (("ft", "foot", "feet"), "length", 0.3048),
    (("inch", "inches"), "length", 0.0254),
    (("yard", "yards"), "length", 0.9144),
    (("mile", "miles"), "length", 1609.344),
    (("kg", "kilogram", "kilograms", "kilo", "kilos"), "mass", 1.0),
    (("gram", "grams"), "mass", 1e-3),  # no "g": "5G" is a code
    (("tonne", "tonnes", "ton", "tons"), "mass", 1e3),
    (("lb", "lbs"), "mass", 0.45359237),
    (("acre", "acres"), "area", 4046.8564224),
    (("hectare", "hectares"), "area", 1e4),
):
    for _name in _names:
        _UNITS[_name] = (_dimension, _factor)

# Words after a number that are not its unit ("75 and 60", "3 or more").
_NOT_UNITS = frozenset(
    ("and", "or", "to", "in", "on", "at", "for", "of", "is", "are", "was", "the", "a", "an",
     "per", "by", "from", "with", "as", "than", "up", "it", "this", "that", "more", "less")
)  # fmt: skip
_MONTHS = {
    name: number
    for number, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
         ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
         ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
         ("december", "dec")],
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = "(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATES = (
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})\b"),
    re.compile(
        rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+(?P<year>\d{{4}})\b"
    ),
    re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})\b"),
)
# A day of a month with or without its year: "June 30", "June 30th", "30 June", "the 30th of June"
_DAYS = (
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?![\w:.,]\d|\d)"),
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?!\w)"),
)


@dataclass(frozen=True)
class Quantity:
    """A number stated in a text, with the unit written after (or the currency before) it."""

    number: str  # canonical digits: "1095", "17.5", "5.8.2"
    unit: str | None  # the word after it as written (lower case), e.g. "seats", "%", "mb"
    start: int
    end: int
    label: str | None = None  # a capitalised name right before it: "Android 12", "Windows 10"
    # The value as written: currency sign, number, scale and the unit word when it is one
    # ("$1.1 bn", "6.5 GB", "75 seats"); not a following "and" or "per" (`start`, `end` may hold it)
    span: tuple[int, int] | None = None

    @property
    def dimension(self) -> str | None:
        """The unit's dimension when it is a known unit (bytes, seconds, %, usd...), else None."""
        return _UNITS[self.unit][0] if self.unit in _UNITS else None

    def base_value(self) -> float | None:
        """The value in its dimension's base unit (seconds, bytes...), if the number is one."""
        if self.unit not in _UNITS or self.number.count(".") > 1:
            return None
        return float(self.number) * _UNITS[self.unit][1]


def clean(text: str) -> str:
    """Fold Unicode look-alikes (NBSP, curly quotes, full-width digits) and lower-case."""
    return fold(text).lower()


def fold(text: str) -> str:
    """Fold Unicode look-alikes (NBSP, curly quotes, full-width digits), keeping case."""
    return unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")


def quantities(text: str) -> list[Quantity]:
    """Every number in `text` (digits or a spelled-out number) with the unit that follows it.

    Digits glued to letters that are no unit ("4A", "2FA") are part of a code, not a number.
    """
    original = fold(text)
    text = original.lower()  # same length: NFKC happened before lower-casing
    found = []
    for match in _MENTION.finditer(text):
        unit, scale = match["after"], match["scale"]
        unit_start = match.start("after")
        if scale in _SHORT_SCALES and not match["currency"]:
            # "400m" alone: a unit or a code, read as before
            unit, unit_start, scale = scale, match.start("scale"), None
        glued = unit is not None and match.end("number") == unit_start
        if glued and unit not in _UNITS:
            continue
        if match["currency"]:
            unit = {"$": "usd", "€": "eur", "£": "gbp"}[match["currency"]]
        elif unit == "per" and text[match.end() :].startswith(" cent"):
            unit = "%"
        elif unit in _NOT_UNITS:
            unit = None
        span_end = match.end("scale") if match["scale"] else match.end("number")
        if unit is not None and not match["currency"] and unit_start == match.start("after"):
            span_end = match.end("after") + (len(" cent") if match["after"] == "per" else 0)
        start = match.start("number")
        label = re.search(r"(?:^|[^.!?:]\s)([A-Z][\w-]*)\s$", original[max(0, start - 40) : start])
        number = _canonical_number(match["number"])
        if scale is not None and number.count(".") <= 1:
            factor = _SCALES.get(scale) or _SHORT_SCALES[scale]
            number = _canonical_number(f"{float(number) * factor:.6f}")
        found.append(
            Quantity(
                number,
                unit,
                start,
                match.end(),
                label[1].lower() if label else None,
                (match.start("currency") if match["currency"] else start, span_end),
            )
        )
    return found


def dates(text: str) -> list[tuple[int, int, int]]:
    """Every full date in `text` as (year, month, day)."""
    return list(dict.fromkeys(day for day, _, _ in date_spans(text)))


def year_spans(text: str) -> list[tuple[int, int, int, int]]:
    """Every span of years in `text` as (first, last, start, end): "1952–87" gives 1952, 1987."""
    text = clean(text)
    found = []
    for pattern in _YEAR_SPANS:
        for match in pattern.finditer(text):
            first, last = match.group(1), match.group(2)
            if len(last) == 2:
                last = first[:2] + last
            if int(last) > int(first):
                found.append((int(first), int(last), match.start(), match.end()))
    return found


def date_spans(text: str) -> list[tuple[tuple[int, int, int], int, int]]:
    """Every full date in `text` as ((year, month, day), start, end) in the cleaned text."""
    text = clean(text)
    found = []
    for pattern in _DATES:
        for match in pattern.finditer(text):
            month = match["month"]
            month_number = int(month) if month.isdigit() else _MONTHS[month.rstrip(".")]
            day = (int(match["year"]), month_number, int(match["day"]))
            found.append((day, match.start(), match.end()))
    return found


def day_spans(text: str) -> list[tuple[tuple[int, int], int, int]]:
    """Every day of a month in `text`, year or not, as ((month, day), start, end) in the cleaned
    text: "June 30th" and "30 June 2024" both give (6, 30)."""
    text = clean(text)
    found = []
    for pattern in _DAYS:
        for match in pattern.finditer(text):
            day = int(match["day"])
            if 1 <= day <= 31:
                found.append(
                    ((_MONTHS[match["month"].rstrip(".")], day), match.start(), match.end())
                )
    return sorted(found, key=lambda span: span[1])


def same_number(a: Quantity, b: Quantity) -> bool:
    """Whether two stated numbers are the same value (units aside)."""
    if a.number.count(".") > 1 or b.number.count(".") > 1:
        return a.number == b.number
    return abs(float(a.number) - float(b.number)) < 1e-9


def same_measure(stated: Quantity, gold: Quantity) -> bool:
    """Whether two quantities in known units state one amount ("2 weeks" = "14 days")."""
    if stated.dimension is None or stated.dimension != gold.dimension:
        return False
    if _same_unit(stated.unit, gold.unit):
        return same_number(stated, gold)
    a, b = stated.base_value(), gold.base_value()
    return a is not None and b is not None and abs(a - b) <= 1e-9 * max(abs(b), 1)


def _same_unit(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and _UNITS.get(a) == _UNITS.get(b)


def _canonical_number(raw: str) -> str:
    words = raw.replace("-", " ").split()
    if words[0] in _WORD_NUMBERS:
        return str(sum(_WORD_NUMBERS[w] for w in words))
    number = raw.replace(",", "")
    if number.count(".") == 1:
        return number.rstrip("0").rstrip(".") or "0"  # "13.90" -> "13.9"
    return number if "." in number else number.lstrip("0") or "0"
