"""How sure a verdict is: whether the data can tell the recommended cell from a more capable one.

The recommendation picks the simplest cell that no other cell beats significantly. "Not
significantly worse" is a verdict only when the test could have seen a gap that matters: on 28
questions a 20-point lead hides inside the noise. So, per measured axis, each cell of a more
capable kind is set against the recommended one on the questions they share:

- *told apart*: the paired test is significant (the recommended cell would not have been chosen
  were the other better, so it is the worse one here);
- *a tie*: not significant, and the paired 95 % interval of the other's lead stays below
  `TIE_MARGIN`: whatever it may add is smaller than that, so the simpler cell is the choice;
- *too close to call*: not significant, and the interval reaches `TIE_MARGIN` or beyond: the
  more capable cell may well be better, and this many questions cannot say.

When no two cells on any axis can be told apart and some pair is too close to call, the whole
comparison is too small to decide. The verdict then opens with that, names the figures, what
gap the size could see and about how many questions would show the gap seen
(`stats.questions_to_detect`), and names the simplest cell only as the tie-break.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from harness import stats
from harness.report.decision import Certainty, CloseCall, kind_of

# A lead smaller than this (as a share of questions) is no reason to pay for a more capable kind.
TIE_MARGIN = 0.05


def certainty(chosen: Any, cells: list[Any], axes: list[Any]) -> Certainty:
    """The close calls between `chosen` and the more capable cells, on each of `axes` (the
    recommendation's measured axes: each with `name`, `value(cell)` and its paired `pairs`)."""
    if chosen is None:
        return Certainty()
    calls = []
    for axis in axes:
        rivals = [c for c in cells if kind_of(c) > kind_of(chosen) and axis.value(c) is not None]
        found = [call for rival in rivals if (call := _close_call(axis, chosen, rival))]
        if found:  # the one that may be ahead by the most speaks for the axis
            calls.append(max(found, key=lambda call: call.lead_high))
    told_apart = any(
        not axis.pairs.empty and bool(axis.pairs["significant"].any()) for axis in axes
    )
    return Certainty(tuple(calls), told_apart)


def _close_call(axis: Any, chosen: Any, rival: Any) -> CloseCall | None:
    """The pair as a close call, or None when it is told apart, a tie, or never compared."""
    row = pair_row(axis.pairs, chosen.cell, rival.cell)
    if row is None or bool(row["significant"]):
        return None
    # `difference` is second minus first: the upper end of the rival's lead
    chosen_first = row["first"] == chosen.cell
    lead_high = row["difference_ci_high"] if chosen_first else -row["difference_ci_low"]
    if lead_high < TIE_MARGIN:
        return None
    chosen_value, rival_value = axis.value(chosen), axis.value(rival)
    gap = max(abs(rival_value - chosen_value), TIE_MARGIN)  # a tie's gap: the margin
    return CloseCall(
        axis=axis.name,
        chosen=chosen.cell,
        rival=rival.cell,
        questions=int(row["questions"]),
        chosen_value=chosen_value,
        rival_value=rival_value,
        lead_high=float(lead_high),
        detectable=float(row["detectable_difference"]),
        shown_gap=gap,
        needed=stats.questions_to_detect(gap, float(row["discordant_rate"])),
    )


def pair_row(pairs: pd.DataFrame, first: str, second: str) -> pd.Series | None:
    """The row of the paired table comparing `first` and `second`, in either order; None if
    they share no questions."""
    if pairs.empty:
        return None
    found = pairs[
        ((pairs["first"] == first) & (pairs["second"] == second))
        | ((pairs["first"] == second) & (pairs["second"] == first))
    ]
    return None if found.empty else found.iloc[0]
