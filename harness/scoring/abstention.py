"""Does a prediction decline to answer? Refusals have many shapes; real answers use the same words.

A prediction abstains when it says, in any of the usual ways, that the answer is not known, not
given or does not exist ("I don't know", "The context doesn't say", "I couldn't find this",
"There is no Estuary plan", "Not specified.") or hands the question over to people ("Let me
connect you with our team", a support policy's fallback), and states no value of its own after
that. Words such as "unknown", "not provided" or "no" inside a real answer ("Error ACS-2214 means
the file type is unknown") do not make it a refusal. An empty prediction is not an abstention:
it is an outcome of its own (see `harness.scoring.judge`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from harness.scoring.values import clean, quantities

_CANT = r"(?:ca\s*n'?t|cannot|can\s+not|could\s*n'?t|could\s+not|won'?t)"
_NEG = (
    r"(?:(?:do|does|did|is|are|was|were|has|have|had)\s*n'?t|"
    rf"(?:do|does|did|is|are|was|were)\s+not|{_CANT}|not)"
)
_SOURCE = (
    r"(?:context|text|documentation|documents?|docs|passages?|sources?|information|materials?|"
    r"excerpts?|snippets?|articles?|pages?|data|knowledge\s+base|manual|question|faq|guide)"
)
_SAY = (
    r"(?:say|says|mention|mentions|mentioned|contain|contains|include|includes|included|specify|"
    r"specifies|specified|state|states|stated|provide|provides|provided|give|gives|given|cover|"
    r"covers|covered|address|addresses|describe|describes|described|list|lists|listed|indicate|"
    r"indicates|discuss|discusses|detail|details|tell|tells|have|has|show|shows|answer|answers|"
    r"reference|references|offer|offers|talk|talks|explain|explains|go\s+into|refer\s+to)"
)
_UNSTATED = (
    r"(?:mentioned|specified|stated|provided|given|listed|covered|included|described|available|"
    r"found|documented|addressed|disclosed|contained|known|present)"
)
_THING = (
    r"(?:plans?|products?|features?|tiers?|services?|options?|person|ceo|founder|offices?|api|"
    r"endpoints?|commands?|settings?|regions?|versions?|apps?|tools?|programs?|records?|"
    r"information|mention|details?|add-?ons?|codes?|events?)"
)
_ME_UNABLE = (
    rf"\bi\s*(?:{_CANT}|am\s+unable\s+to|'?m\s+unable\s+to|was\s+unable\s+to|"
    r"(?:am|'?m|was)\s*(?:not|n't)\s+able\s+to|wasn't\s+able\s+to|did\s*n'?t|do\s*n'?t|dont|"
    r"do\s+not|did\s+not)\s+"
)

# Whole-prediction shapes that are nothing but a refusal word.
_BARE = re.compile(
    r"^(?:answer:\s*)?(?:unknown|n/?a|none given|dunno|unsure|unanswerable|idk|no idea|no clue|"
    r"no (?:answer|information|info|data)|\?+)[.!]*$"
)
_PATTERNS = [
    # I don't know, I'm not sure, no idea
    r"\bi\s*(?:really\s+)?(?:do\s*n'?t|dont|do\s+not)\s+(?:really\s+)?know\b",
    r"\bi\s*(?:am|'m|m)\s+(?:not\s+(?:sure|certain|aware)|unsure)\b",
    r"^(?:i'?m\s+|i\s+am\s+)?not\s+(?:sure|certain)\b",
    r"\b(?:i\s+have|i've|i\s+got|i've\s+got)\s+no\s+(?:idea|clue|information|info|data|details?|"
    r"record|knowledge)\b",
    r"^no\s+(?:information|info|data|details?|mention|record|answer)\b",
    r"\b(?:there'?s|there\s+is)\s+no\s+(?:information|info|data|details?|mention|record|answer)\b",
    rf"{_ME_UNABLE}(?:find|answer|say|tell|determine|provide|confirm|locate|see|help|give|know|"
    r"identify|verify|share|access|have)\b",
    r"\b(?:unable|impossible)\s+to\s+(?:find|answer|say|tell|determine|provide|confirm|locate|"
    r"know|identify)\b",
    rf"^{_CANT}\s+(?:say|tell|answer|determine)\b",
    rf"\b(?:{_CANT}|can\s*not)\s+be\s+(?:determined|answered|found|confirmed|established|"
    r"inferred|known|given|told)\b",
    r"\bfound\s+nothing\b|\bnothing\s+(?:in|about|is\s+said|on|regarding)\b",
    # the context / documentation does not say ...
    rf"\b{_SOURCE}\s+(?:\S+\s+){{0,3}}{_NEG}\s+(?:\w+\s+)?{_SAY}\b",
    rf"\b{_SOURCE}\s+(?:\S+\s+){{0,2}}(?:makes|lists|provides|gives|has|contains|includes|says|"
    r"offers|mentions|holds)\s+no\b",
    rf"\b{_SOURCE}\s+(?:is|are)\s+(?:silent|insufficient)\b",
    rf"\b{_NEG}\s+{_UNSTATED}\s+(?:anywhere\b|(?:in|by|within|from)\s+(?:the\s+|any\s+|this\s+|"
    rf"these\s+|provided\s+|given\s+|available\s+)*{_SOURCE})",
    rf"\b(?:is|are|was|were)\s*n'?t\s+{_UNSTATED}\s+(?:anywhere\b|(?:in|by|within)\s+"
    rf"(?:the\s+|any\s+|this\s+|these\s+|provided\s+|given\s+)*{_SOURCE})",
    rf"^(?:answer:\s*)?(?:it\s+is\s+|it's\s+|that\s+is\s+|that's\s+|this\s+is\s+)?(?:not|never)\s+"
    rf"{_UNSTATED}\b",
    r"\b(?:information|answer|details?|data)\s+(?:is|are)\s*(?:not\s+|n't\s+)?(?:unavailable|"
    r"not\s+available|not\s+provided|not\s+given|not\s+known)\b",
    rf"^(?:this|that|it|the\s+(?:number|answer|value|amount|date|name|figure|size|price|limit))\s+"
    rf"(?:is|are)\s*(?:not|n't)\s+{_UNSTATED}\b",
    rf"\b(?:answer|information)\s+is\s*(?:not|n't)\s+(?:in|within|part\s+of)\s+(?:the\s+)?{_SOURCE}",
    r"\b(?:information|answer|details?)\s+(?:isn't|aren't)\s+(?:available|provided|given|known|"
    r"there)\b",
    r"\bnone\s+of\s+the\s+(?:\w+\s+)?(?:documents?|passages?|sources?|context|pages?|texts?)\b",
    r"\bneither\b[^.]*\bnor\b[^.]*\b(?:address|mention|cover|say|discuss|describe)\w*\s+"
    r"(?:this|that|it)\b",
    r"\b(?:insufficient|not\s+enough)\s+(?:information|context|data|details?)\b",
    r"\b(?:beyond|outside)\s+(?:the\s+scope|what\s+the|the\s+context|the\s+information)\b",
    rf"\b(?:sorry|apologi[sz]e)\b.{{0,40}}(?:{_CANT}|\bdon't\b|\bdo\s+not\b|\bunable\b|\bno\b)",
    # a hand-over to people instead of an answer: "Let me connect you with our team"
    r"\b(?:let\s+me|i'?ll|i\s+will|i\s+can|we'?ll|we\s+will)\s+(?:connect|transfer|refer|put)\s+"
    r"you\s+(?:with|to|through\s+to)\b",
    # the thing asked about does not exist
    rf"^(?:there\s+(?:is|are|was|were)\s+no|there'?s\s+no|no\s+such)\s+(?:such\s+)?(?:\S+\s+){{0,4}}"
    rf"{_THING}\b",
    rf"\b(?:does|do)\s*(?:not|n't)\s+(?:offer|have|provide|sell|support|make)\s+(?:a|an|any)\s+"
    rf"(?:\S+\s+){{0,4}}(?:{_THING}|called|named)\b",
    r"\b(?:has|have|offers?)\s+no\s+(?:\S+\s+){0,3}(?:plan|tier|product|command|ceo|founder|"
    r"office|region|app)s?\b",
    r"\b(?:does|do)\s*(?:not|n't)\s+exist\b",
    r"\b(?:is|are)\s*(?:not|n't)\s+(?:one\s+of|an?)\s+(?:\S+\s+){0,2}(?:plans?|products?|"
    r"tiers?|commands?|features?)\b",
]
_ABSTAIN = re.compile("|".join(f"(?:{p})" for p in _PATTERNS))
# A refusal followed by a guess or a value answers after all.
_GUESS = re.compile(
    r"\b(?:perhaps|maybe|probably|likely|might\s+be|may\s+be|could\s+be|i\s+(?:think|believe|"
    r"guess|suspect)|my\s+guess)\b"
)


def abstain_phrase(phrase: str) -> str:
    """An extra refusal phrase (`scoring.extra_abstain_phrases`) as predictions are compared with
    it: Unicode look-alikes folded, lower case, runs of spaces as one."""
    return " ".join(clean(phrase).split())


def is_abstention(prediction: str, extra_phrases: Sequence[str] = ()) -> bool:
    """Whether the prediction declines to answer (see the module docstring)."""
    text = " ".join(clean(prediction).split())
    if not text:
        return False
    if _BARE.match(text) or any(phrase in text for phrase in extra_phrases):
        return True
    refusal = _ABSTAIN.search(text)
    if refusal is None:
        return False
    before, after = text[: refusal.start()], text[refusal.end() :]
    if quantities(before):  # "6.5 GB. I'm not sure whether that includes trash"
        return False
    # "I'm not sure, it's probably Daniel", "... so a client can call it 10 times": an answer
    return not (_GUESS.search(after) or quantities(after))
