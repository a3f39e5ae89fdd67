"""Forms of a gold name a reader accepts for it, and near misses a reader argues about.

`correctness` matches a gold of words as whole words; where the whole gold is not in the answer,
these give the other forms it may take:
- `short_forms`: without an article, title or post-nominal; a person's or team's name by its
  last word ("the Panthers"); a place by its town ("Dayton" for "Dayton, Ohio", never "Ohio");
- `acronym_spans`: the initials of a name's capitalised words ("MIT" for "Massachusetts Institute
  of Technology"), and the other way round;
- `plural_forms`: a common noun in the plural ("otters" for "otter");
- `near_miss`: why an answer that states no form of the gold might still mean it (a name one
  letter off, the gold's last word without its modifiers): a reason to mark a wrong verdict
  uncertain, never a reason to accept.
"""

from __future__ import annotations

import re

from harness.scoring.values import clean, fold

_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_TITLE = re.compile(
    r"^(?:fr\.?|father|rev\.?|reverend|dr\.?|mr\.?|mrs\.?|ms\.?|sr\.?|sister|brother|saint|st\.|"
    r"professor|prof\.?|bishop|cardinal|pope|sir)\s+",
    re.IGNORECASE,
)
_POST_NOMINAL = re.compile(r",\s*(?:[A-Z][A-Za-z]{0,3}\.\s*)+$|,\s*(?:jr|sr)\.?$", re.IGNORECASE)
# Last words that name a kind of place or body, not the one asked ("Hall", "University"): a
# shortened name must keep a word before them.
_GENERIC = frozenset(
    {"arena", "hall", "center", "centre", "college", "university", "school", "institute",
     "library", "stadium", "church", "basilica", "building", "department", "program", "programme",
     "league", "prize", "award", "medal", "street", "commons", "conference", "museum", "band",
     "house", "society", "report", "review", "state", "city", "county", "team", "club", "park",
     "airport", "national", "international", "cafe", "fair", "agreement", "treaty", "bridge"}
)  # fmt: skip
# Lower-case words a name's initials skip: "Massachusetts Institute of Technology" is MIT
_CONNECTORS = frozenset({"of", "the", "and", "for", "&", "on", "in", "at"})
# A run of capitalised words with connectors between them: a name an acronym may stand for
_NAME_RUN = re.compile(r"[A-Z][\w'-]*(?:\s+(?:(?:of|the|and|for|&|on|in|at)\s+)*[A-Z][\w'-]*)*")


def short_forms(gold: str) -> list[str]:
    """Forms of a name a reader accepts for it: without an article, title or post-nominal, a
    person's or team's name by its last word (or last two), a place by the part before its
    comma ("Dayton" for "Dayton, Ohio")."""
    name = _POST_NOMINAL.sub("", fold(gold).strip())
    name = _TITLE.sub("", _ARTICLE.sub("", name))
    forms = [name] if name != gold else []
    parts = name.split()
    if "," in name:  # "Dayton, Ohio": the town is the answer, the state only where it lies
        head = name.split(",")[0].strip()
        return [*forms, head] if head[:1].isupper() and " " not in head else forms
    # "the First Year of Studies program": the name without a lower-case noun after it
    if len(parts) >= 3 and parts[-1].islower() and parts[0][:1].isupper():
        forms.append(" ".join(parts[:-1]))
    # only names of capitalised words ("Carolina Panthers", "Eric F. Wieschaus")
    if len(parts) >= 2 and all(p[:1].isupper() for p in parts):
        for tail in (parts[-2:], parts[-1:]):
            shorter = len(tail) < len(parts) and len(tail[-1]) >= 3
            if shorter and not {tail[0].lower().strip("."), tail[-1].lower()} & _GENERIC:
                forms.append(" ".join(tail))
    return forms


def after_other_name(prediction: str, start: int, gold: str) -> bool:
    """Whether the short form at `start` names something else: in lower case while the gold is
    a name of several words ("the airport" for a named airport), or after a word not in the gold,
    capitalised or an initial ("Michael J. Shea")."""
    text = fold(prediction)
    lower_form = text[start : start + 1].islower() and gold.split()[-1][:1].isupper()
    if lower_form and len(gold.split()) > 1:
        return True  # "the airport" is no short form of "Kansai International Airport"
    before = re.search(r"([\w.'-]+)\s+$", text[:start])
    if not before or before.group(1).lower() in ("the", "a", "an"):
        return False
    named = before.group(1)[:1].isupper() or lower_form
    return named and before.group(1).lower() not in clean(gold)


def acronym_spans(prediction: str, gold: str) -> list[tuple[int, int]]:
    """Where the prediction gives the gold name by its initials ("MIT"), or spells out the name a
    gold acronym stands for ("Federal Emergency Management Agency" for "FEMA")."""
    text = fold(prediction)
    name = _ARTICLE.sub("", fold(gold).strip())
    if re.fullmatch(r"[A-Z]{2,6}", name):
        runs = [m for m in _NAME_RUN.finditer(text) if _initials(m.group()) == name]
        return [m.span() for m in runs]
    parts = name.split()
    capitalised = [p for p in parts if p.lower() not in _CONNECTORS]
    if len(capitalised) < 2 or not all(p[:1].isupper() for p in capitalised):
        return []
    letters = _initials(name)
    return [m.span() for m in re.finditer(rf"(?<![\w.&-]){letters}(?![\w&-])", text)]


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w.lower() not in _CONNECTORS)


def plural_forms(gold: str) -> list[str]:
    """A common noun's plural ("otters" for "otter", "species" stays): only for a gold whose last
    word is lower case, as a name's plural names others ("the Kennedys")."""
    name = _ARTICLE.sub("", fold(gold).strip())
    last = name.split()[-1] if name.split() else ""
    if not re.fullmatch(r"[a-z]{3,}", last) or last.endswith("s"):
        return []
    stem = name[: -len(last)]
    if re.search(r"[^aeiou]y$", last):
        return [stem + last[:-1] + "ies"]
    if re.search(r"(?:sh|ch|x|z)$", last):
        return [stem + last + "es"]
    return [stem + last + "s"]


def near_miss(prediction: str, gold: str, question: str = "") -> str | None:
    """Why an answer stating no form of the gold may still mean it, for a reader to decide: a
    capitalised word one letter off a word of the gold name ("Kamala Haris"), or the last word of
    a longer lower-case gold without the words before it ("scooter" for "electric scooter"), not
    one the question itself uses."""
    name = _ARTICLE.sub("", fold(gold).strip())
    if re.fullmatch(r"[A-Z][a-z-]+(?:\s+[a-z-]+)+", name):  # the quiz's capital: "Frozen embryos"
        name = name[0].lower() + name[1:]
    parts = re.findall(r"[\w'-]+", name)
    said = re.findall(r"[\w'-]+", fold(prediction))
    asked = set(re.findall(r"[\w'-]+", clean(question)))
    if len(parts) == 1 and len(name) >= 7:  # "Fires" for "Wildfires": a compound's last part
        tails = {w for w in said if len(w) >= 4 and name.lower().endswith(w.lower())}
        if tails - {name, name.lower()} - asked:
            return "the gold's last part without the word before it: a less specific word"
    if parts and parts[-1][:1].isupper():
        close = [p for p in parts if len(p) >= 4 and any(_one_letter_off(p, w) for w in said)]
        if close and all(p in said or p in close for p in parts if p[:1].isupper()):
            return "a name one letter off the gold's: a misspelling or another name"
    elif re.fullmatch(r"[a-z-]+(?:\s+[a-z-]+)+", name) and len(parts[-1]) >= 3:
        lower = {w.lower() for w in said} - asked
        if {parts[-1], *plural_forms(parts[-1])} & lower:
            return "the gold's last word without the words before it: a less specific word"
    return None


def _one_letter_off(a: str, b: str) -> bool:
    """Whether two different capitalised words differ by one letter changed, added or dropped."""
    if a == b or not b[:1].isupper() or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a.lower(), b.lower(), strict=True)) == 1
    short, long = sorted((a.lower(), b.lower()), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
