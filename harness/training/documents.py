"""Corpus sections as causal-LM training text: long sections cut, short ones packed together.

A section longer than the sequence length is cut at token boundaries, read from the tokenizer's
offsets, so each piece is an exact substring and the pieces of a section join back into it.
Pieces are then packed in corpus order, joined by the tokenizer's end-of-text token, up to the
sequence length; no text is lost or repeated. An example is an empty conversation with the
packed text as the reply: `harness.training.trainer.encode` then puts the loss on every token
(no chat template), the end-of-text token before it as the first token's context.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from harness.models import Conversation

CONTEXT_TOKENS = 1  # the end-of-text token `encode` puts before a document example


@dataclass(frozen=True)
class Piece:
    """A substring of one section: `section text[start:end] == text`."""

    section: str
    start: int
    end: int
    text: str


def separator(tokenizer: Any) -> str:
    """What joins packed pieces: the tokenizer's end-of-text token, as pretraining joins texts."""
    return str(tokenizer.eos_token)


def count(tokenizer: Any, text: str) -> int:
    """Tokens of `text` alone, without special tokens."""
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def cut(tokenizer: Any, section: str, text: str, budget: int) -> list[Piece]:
    """The section as pieces of at most `budget` tokens each (tokenized alone), cut where a token
    starts; one piece when it fits."""
    offsets = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    starts = [start for start, _ in offsets["offset_mapping"]]
    pieces, first = [], 0
    while first < len(starts):
        last = min(first + budget, len(starts))
        begin = 0 if first == 0 else starts[first]
        while True:  # a piece tokenized alone may merge differently: step back until it fits
            end = len(text) if last == len(starts) else starts[last]
            if count(tokenizer, text[begin:end]) <= budget or last == first + 1:
                break
            last -= 1
        if end > begin:  # tokens sharing one offset (a character split in bytes) give none
            pieces.append(Piece(section, begin, end, text[begin:end]))
        first = last
    return pieces


def pack(tokenizer: Any, pieces: Iterable[Piece], budget: int) -> list[list[Piece]]:
    """Consecutive pieces grouped so that each group, joined by `separator`, is at most `budget`
    tokens; every piece in exactly one group, in order."""
    joiner = separator(tokenizer)
    groups: list[list[Piece]] = []
    for piece in pieces:
        if groups and count(tokenizer, joiner.join(p.text for p in [*groups[-1], piece])) <= budget:
            groups[-1].append(piece)
        else:
            groups.append([piece])
    return groups


def packed_texts(
    tokenizer: Any, sections: Iterable[tuple[str, str]], max_seq_length: int
) -> list[list[Piece]]:
    """(id, text) sections as packed groups of pieces, each group at most `max_seq_length`
    tokens once `encode` adds its context token."""
    budget = max_seq_length - CONTEXT_TOKENS
    pieces = [
        p for section, text in sections if text for p in cut(tokenizer, section, text, budget)
    ]
    return pack(tokenizer, pieces, budget)


def examples(
    tokenizer: Any, sections: Iterable[tuple[str, str]], max_seq_length: int
) -> list[tuple[Conversation, str]]:
    """Training examples for the sections: an empty conversation, the packed text as reply."""
    joiner = separator(tokenizer)
    groups = packed_texts(tokenizer, sections, max_seq_length)
    return [([], joiner.join(p.text for p in group)) for group in groups]
