"""Who decided the verdicts: how many rest on a rule that could not be sure, how many a judge gave.

A rule is unsure (`uncertain` on the row, with `uncertain_why`) where a word pattern decided: a
value said of another event, a negation, one name of a list, a longer name, a shortened
description. Those are the rows a model judge is asked about (`scoring.judge_asks=uncertain`).
"""

from __future__ import annotations

from harness.metrics import Metric, register

register(Metric("uncertain_verdicts", "verdicts the rules were unsure of", aggregate="sum",
                row=lambda r: bool(r.get("uncertain")), unit="count"))  # fmt: skip
register(Metric("judge_verdicts", "verdicts given by the model judge", aggregate="sum",
                row=lambda r: r.get("scored_by", "rules") != "rules", unit="count"))  # fmt: skip
