"""More forms of a gold a reader accepts for it: news answers name things loosely.

`correctness` tries these after the gold's own words, its short forms and its initials:
- `number_forms`: a common noun in the other number ("otters" for "otter", "dog" for "Dogs", the
  quiz capitalising its option's first word), never a name of several words ("the Kennedys");
- `unasked_forms`: a name without the words the question already says ("Columbia" for "Columbia
  University" asked which university, "Texas" for "State Fair of Texas" asked which state fair);
- `inserted_spans`: a name with one capitalised word added inside it ("the Lisbon Climate Accord"
  for "Lisbon Accord"): a fuller name or another one, so the verdict is marked uncertain;
- `demonym_spans`: a country by its adjective ("a Peruvian port" for "Peru") where a country or
  place is asked: the country named through another thing, so marked uncertain.
"""

from __future__ import annotations

import re

from harness.scoring.values import clean, fold

_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_CONNECTORS = frozenset({"of", "the", "and", "for", "&", "on", "in", "at", "de"})
# Words that name a kind of thing, never the thing: a form left with only these names nothing
_KINDS = frozenset(
    {"national", "international", "state", "city", "university", "college", "park", "airport",
     "cafe", "café", "fair", "agreement", "united", "new", "north", "south", "east", "west"}
)  # fmt: skip
# A question asking for a country, or for something of a country ("which country's ...")
_COUNTRY_ASK = re.compile(r"\b(?:country|countries|nation|nations|where)\b|\bcountry's\b", re.I)
# Countries whose adjective is not the name with -n, -an or -ian added; others are derived.
_IRREGULAR = {
    "afghanistan": "afghan", "bangladesh": "bangladeshi", "britain": "british",
    "china": "chinese", "denmark": "danish", "england": "english", "finland": "finnish",
    "france": "french", "greece": "greek", "iceland": "icelandic", "iraq": "iraqi",
    "ireland": "irish", "israel": "israeli", "japan": "japanese", "kuwait": "kuwaiti",
    "lebanon": "lebanese", "nepal": "nepali", "netherlands": "dutch", "norway": "norwegian",
    "pakistan": "pakistani", "philippines": "filipino", "poland": "polish",
    "portugal": "portuguese", "qatar": "qatari", "saudi arabia": "saudi", "scotland": "scottish",
    "spain": "spanish", "sudan": "sudanese", "sweden": "swedish", "switzerland": "swiss",
    "taiwan": "taiwanese", "thailand": "thai", "turkey": "turkish", "united kingdom": "british",
    "united states": "american", "vietnam": "vietnamese", "wales": "welsh", "yemen": "yemeni",
    "germany": "german", "peru": "peruvian", "ukraine": "ukrainian", "egypt": "egyptian",
}  # fmt: skip
# Countries whose adjective is derived by the regular endings ("Indonesia" -> "Indonesian")
_REGULAR = frozenset(
    {"albania", "algeria", "argentina", "armenia", "australia", "austria", "belgium", "bolivia",
     "brazil", "bulgaria", "cambodia", "canada", "chile", "colombia", "croatia", "cuba",
     "ecuador", "estonia", "ethiopia", "georgia", "ghana", "guatemala", "haiti", "honduras",
     "hungary", "india", "indonesia", "iran", "italy", "jamaica", "jordan", "kenya", "korea",
     "latvia", "libya", "lithuania", "malaysia", "mexico", "mongolia", "morocco", "nicaragua",
     "nigeria", "panama", "paraguay", "romania", "russia", "rwanda", "serbia", "somalia",
     "syria", "tunisia", "uganda", "uruguay", "venezuela", "zambia", "zimbabwe", "slovakia",
     "slovenia", "bosnia", "macedonia", "moldova", "namibia", "tanzania"}
)  # fmt: skip


def _stem(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _singular(word: str) -> str | None:
    if re.search(r"[^aeiou]ies$", word) and len(word) > 4:
        return word[:-3] + "y"
    if re.search(r"(?:sh|ch|x|z|ss)es$", word):
        return word[:-2]
    if re.search(r"[^su]s$", word) and len(word) > 3 and not word.endswith("is"):
        return word[:-1]
    return None


def _plural(word: str) -> str:
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(?:sh|ch|x|z|s)$", word):
        return word + "es"
    return word + "s"


def number_forms(gold: str) -> list[str]:
    """The gold in the other grammatical number, lower case: for a gold whose last word is lower
    case (a common noun: "otter", "frozen embryos"), or of one word the quiz capitalised ("Dogs",
    not "the Kennedys")."""
    name = _ARTICLE.sub("", fold(gold).strip())
    parts = name.split()
    if not parts or not re.fullmatch(r"[A-Za-z]{3,}", parts[-1]):
        return []
    last = parts[-1]
    # "the Kennedys": a capitalised word after an article is a name, not the quiz's capital
    quiz_capital = len(parts) == 1 and last[1:].islower() and not _ARTICLE.match(gold.strip())
    if not (last.islower() or quiz_capital):
        return []
    stem = name[: -len(last)]
    lower = last.lower()
    singular = _singular(lower) if lower.endswith("s") else None
    other = singular if lower.endswith("s") else _plural(lower)
    return [stem + other] if other and other != lower else []


def unasked_forms(gold: str, question: str) -> list[str]:
    """A name of several words without those at its ends that the question already says: "New
    York" for "New York City" asked which city; what is left must hold a capitalised word that
    names no kind of thing."""
    name = _ARTICLE.sub("", fold(gold).strip())
    parts = name.split()
    asked = {_stem(w) for w in re.findall(r"[a-z']+", clean(question))}
    if len(parts) < 2 or not parts[0][:1].isupper() or not asked:
        return []

    def said(word: str) -> bool:
        return _stem(word.lower().strip(",.")) in asked

    first, last = 0, len(parts)
    while last > 1 and said(parts[last - 1]):
        last -= 1
    while first < last - 1 and (said(parts[first]) or parts[first].lower() in _CONNECTORS):
        first += 1
    while first < last and parts[first].lower() in _CONNECTORS:
        first += 1
    left = parts[first:last]
    if len(left) == len(parts) or not left or left[-1].lower() in _CONNECTORS:
        return []
    if not any(w[:1].isupper() and len(w) >= 3 and w.lower() not in _KINDS for w in left):
        return []
    return [" ".join(left)]


def inserted_spans(prediction: str, gold: str) -> list[tuple[int, int]]:
    """Where the prediction gives a name of capitalised words with one capitalised word added
    between two of its words ("Lisbon Climate Accord" for "Lisbon Accord")."""
    parts = re.findall(r"[\w'-]+", _ARTICLE.sub("", fold(gold).strip()))
    if len(parts) < 2 or not all(p[:1].isupper() for p in parts):
        return []
    found = []
    for gap in range(1, len(parts)):
        words = [re.escape(p) for p in parts]
        words.insert(gap, r"[A-Z][a-z][\w'-]*")
        pattern = r"(?<![\w-])" + r"\s+".join(words) + r"(?![\w-])"
        found.extend(m.span() for m in re.finditer(pattern, fold(prediction)))
    return found


def demonyms(country: str) -> set[str]:
    """A country's adjectives, lower case ("indonesian" for "Indonesia"); none for a name that
    is no country listed here."""
    name = clean(_ARTICLE.sub("", fold(country).strip()))
    found = {_IRREGULAR[name]} if name in _IRREGULAR else set()
    if name in _REGULAR:
        if name.endswith("a"):
            found.add(name + "n")
        elif name.endswith(("o", "e")):
            found |= {name[:-1] + "an", name + "an"}
        elif name.endswith("y"):
            found.add(name[:-1] + "ian")
        else:
            found |= {name + "ian", name + "an"}
    return found


def demonym_spans(prediction: str, gold: str, question: str) -> list[tuple[int, int]]:
    """Where the prediction names the gold country by its adjective, capitalised ("a Peruvian
    port" for "Peru"), when the question asks for a country or a place and the prediction names
    no other country."""
    adjectives = demonyms(gold)
    if not adjectives or not _COUNTRY_ASK.search(question):
        return []
    named = list(re.finditer(r"(?<![\w-])[A-Z][a-z]+(?![\w])", fold(prediction)))
    others = {clean(c) for c in [*_IRREGULAR, *_REGULAR]} - {clean(gold)}
    rivals = others | {a for c in others for a in demonyms(c)}
    if any(m.group().lower() in rivals - adjectives for m in named):
        return []  # another country named as well: the adjective may be of a person or a thing
    return [m.span() for m in named if m.group().lower() in adjectives]
