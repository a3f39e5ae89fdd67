"""The advice: the guide's three questions, asked on both axes, then the one that decided.

The guide: start with prompting and stop if it is good enough; a knowledge gap (the model does
not know your products or today's data) calls for retrieval; a behaviour gap (format, voice, a
specialised task) that prompting cannot close calls for fine-tuning. Here each question is
answered from the measured figures and the paired tests of the report:

- the two axes are knowledge (accuracy on answerable questions) and, where questions carry
  checks, behaviour (answers that keep every check); an axis nobody measured is left out;
- a cell *closes* an axis when no cell on the same questions is significantly better on it
  (McNemar, Holm-corrected across the report's pairs: the tables' `significant`);
- a cell's kind comes from the capabilities its strategy declared (`decision.kind_of`), never
  from its name, ordered by what it adds: prompting (with or without a policy), retrieval
  (reads documents, no training), fine-tuning, fine-tuning with retrieval;
- question 1 (good enough with prompting?) is yes when one prompting cell closes both axes;
- question 2 (a knowledge gap: retrieval?) names the simplest kind that closes knowledge:
  prompting (no gap), retrieval, or, when retrieval does not, fine-tuning;
- question 3 (a behaviour gap prompting cannot close: fine-tuning?) names the simplest kind that
  closes behaviour: prompting (the policy prompt closes it), fine-tuning, or what else does;
- the recommended cell is the simplest (then most accurate, most compliant, cheapest per
  question) that closes both axes; the decision is question 1 when it is a prompting cell, else
  question 2, 3, or 2 and 3, by which axes needed more than prompting. When no cell closes both,
  the simplest closer of each axis is named and the missing combination said.

Last, `certainty` asks whether the data can carry the choice: when a more capable cell cannot be
told from the recommended one and may be ahead by more than a tie margin, the verdict opens with
"Too close to call" (or "Too small to decide" when no two cells can be told apart), the figures
and the size that would tell them apart, and names the cell only as simplicity's tie-break.

The result is a `decision.Decision`; its verdict starts with "Decided by" when the data carries
it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from harness import stats
from harness.report.certainty import Certainty, certainty, pair_row
from harness.report.decision import Answered, Decision, Kind
from harness.report.decision import kind_of as _kind
from harness.report.overview import figures, pct, points

PROMPTING, RETRIEVAL = Kind.PROMPTING, Kind.RETRIEVAL
DECIDED = "Decided by"
TIE_BREAK = "If simplicity breaks the tie, decided by"
Q1 = "good enough with prompting?"
Q2 = "a knowledge gap, closed by retrieval?"
Q3 = "a behaviour gap prompting cannot close, closed by fine-tuning?"


@dataclass(frozen=True)
class _Axis:
    """One axis of the comparison: its column in the table and its paired tests."""

    name: str  # "knowledge" or "behaviour"
    column: str
    pairs: pd.DataFrame
    measured: bool

    def value(self, cell: Any) -> float | None:
        value = getattr(cell, self.column)
        return None if value is None or pd.isna(value) else float(value)

    def shown(self, cell: Any) -> str:
        what = "answerable accuracy" if self.name == "knowledge" else "checks kept"
        return f"{pct(self.value(cell))} {what}"


def recommendation(
    table: pd.DataFrame,
    pairs: pd.DataFrame,
    behaviour_pairs: pd.DataFrame | None = None,
    notes: tuple[str, ...] = (),
) -> Decision:
    """The guide's three questions on both axes, each answered, and the one that decided."""
    if table.empty:
        return Decision(notes=notes)
    knowledge = _Axis(
        "knowledge", "answerable_accuracy", pairs, bool(table["answerable_accuracy"].notna().any())
    )
    checked = "behaviour" in table and bool(table["behaviour"].notna().any())
    behaviour = _Axis(
        "behaviour",
        "behaviour",
        pd.DataFrame() if behaviour_pairs is None else behaviour_pairs,
        checked,
    )
    overview = tuple(figures(table, knowledge.measured, behaviour.measured))
    if not knowledge.measured and not behaviour.measured:
        return Decision(
            overview,
            verdict=f"{DECIDED} none of the three questions: no cell was asked an answerable "
            "question and no question carries behaviour checks, so nothing measured ranks them.",
            notes=notes,
        )
    cells = list(table.itertuples(index=False))
    questions = (
        _question_1(cells, knowledge, behaviour),
        _question_2(cells, knowledge),
        _question_3(cells, behaviour),
    )
    axes = [axis for axis in (knowledge, behaviour) if axis.measured]
    needs = {axis.name: _kind(_simplest(_closers(cells, axis), [axis])) for axis in axes}
    both = [c for c in cells if all(_closes(a, c) for a in axes)]
    chosen = _simplest(both, axes)
    decided_by = _decided_by(chosen, needs)
    sureness = certainty(chosen, cells, axes)
    return Decision(
        overview,
        questions,
        decided_by,
        cell=None if chosen is None else chosen.cell,
        kind=None if chosen is None else _kind(chosen),
        needs=needs,
        verdict=sureness.opening()
        + _verdict(cells, axes, needs, both, chosen, decided_by, sureness),
        notes=notes,
        certainty=sureness,
    )


def _decided_by(chosen: Any, needs: dict[str, Kind]) -> tuple[int, ...]:
    """Question 1 when prompting does, else 2 (knowledge) and/or 3 (behaviour) by which axes
    needed more than prompting."""
    wanting = [name for name, need in needs.items() if need != PROMPTING]
    if (chosen is not None and _kind(chosen) == PROMPTING) or not wanting:
        return (1,)
    return tuple(2 if name == "knowledge" else 3 for name in wanting)


def _question_1(cells: list[Any], knowledge: _Axis, behaviour: _Axis) -> Answered:
    prompting = [c for c in cells if _kind(c) == PROMPTING]
    if not prompting:
        return Answered(
            1, Q1, "not asked", None, None,
            "Not asked: no cell prompts without retrieval or fine-tuning.",
        )  # fmt: skip
    axes = [axis for axis in (knowledge, behaviour) if axis.measured]
    enough = _simplest([c for c in prompting if all(_closes(a, c) for a in axes)], axes)
    if enough is not None:
        found = "; ".join(
            f"on {a.name} {a.shown(enough)}, {_against_best(a, enough, cells)}" for a in axes
        )
        found = f"Yes: {enough.cell} is not significantly worse than any cell: {found}."
        return Answered(1, Q1, "yes", enough.cell, PROMPTING, found)
    found = []
    for axis in axes:
        closer = _simplest([c for c in prompting if _closes(axis, c)], [axis])
        if closer is not None:
            found.append(f"on {axis.name} {closer.cell} is not significantly worse than any cell")
        elif (best := _best(prompting, axis)) is None:
            found.append(f"on {axis.name} no prompting cell was measured")
        else:
            found.append(
                f"on {axis.name} the best prompting cell, {best.cell} "
                f"({axis.shown(best)}), {_trails(axis, best)}"
            )
    return Answered(1, Q1, "no", None, None, f"No: {'; '.join(found)}.")


def _question_2(cells: list[Any], axis: _Axis) -> Answered:
    if not axis.measured:
        text = "Not measured: no cell was asked an answerable question."
        return Answered(2, Q2, "not measured", None, None, text)
    closer = _simplest(_closers(cells, axis), [axis])
    need = _kind(closer)
    if need == PROMPTING:
        return Answered(
            2, Q2, "no", closer.cell, need,
            f"No: prompting ({closer.cell}, {axis.shown(closer)}) is not significantly "
            "less accurate than any cell, so knowledge needs no retrieval.",
        )  # fmt: skip
    gap = _gap(cells, axis)
    if need == RETRIEVAL:
        against = _against_best(axis, closer, cells)
        text = f"{gap}retrieval closes it: {closer.cell} at {axis.shown(closer)}, {against}."
        return Answered(2, Q2, "yes", closer.cell, need, text)
    retrieval = _best([c for c in cells if _kind(c) == RETRIEVAL], axis)
    alone = (
        f"retrieval alone does not close it: {retrieval.cell} ({axis.shown(retrieval)}) "
        f"{_trails(axis, retrieval)}"
        if retrieval is not None
        else "no cell retrieves without fine-tuning"
    )
    text = f"{gap}{alone}; {need.label} closes it: {closer.cell} ({axis.shown(closer)})."
    return Answered(2, Q2, "yes", closer.cell, need, text)


def _question_3(cells: list[Any], axis: _Axis) -> Answered:
    if not axis.measured:
        text = "Not measured: no question carries behaviour checks."
        return Answered(3, Q3, "not measured", None, None, text)
    closer = _simplest(_closers(cells, axis), [axis])
    need = _kind(closer)
    if need == PROMPTING:
        line = (
            f"No: prompting closes it: {closer.cell} keeps every check on "
            f"{pct(axis.value(closer))} of the checked questions, not significantly below "
            "any cell"
        )
        beaten = [c for c in cells if _kind(c) == PROMPTING and _rival(axis, c) is not None]
        worst = min(beaten, key=lambda c: axis.value(c) or 0.0, default=None)
        if worst is not None:
            kept = pct(axis.value(worst))
            line += f", while {worst.cell} keeps {kept}: the prompt makes the difference"
        return Answered(3, Q3, "no", closer.cell, need, line + ".")
    gap = _gap(cells, axis)
    text = (
        f"{gap}{need.label} closes it: {closer.cell} keeps every check on "
        f"{pct(axis.value(closer))}, {_against_best(axis, closer, cells)}."
    )
    return Answered(3, Q3, "yes", closer.cell, need, text)


def _verdict(
    cells: list[Any],
    axes: list[_Axis],
    needs: dict[str, Kind],
    both: list[Any],
    chosen: Any,
    decided_by: tuple[int, ...],
    sureness: Certainty,
) -> str:
    """The one-line verdict: the questions that decided, the cell, what it costs; when the data
    cannot carry it, the same as the tie-break it is (never "good enough")."""
    decided = DECIDED if sureness.sure else TIE_BREAK
    if chosen is not None and _kind(chosen) == PROMPTING:
        enough = "prompting is good enough" if sureness.sure else "prompting, the simplest"
        return f"{decided} question 1: {enough}: {_costs(chosen, both)}."
    wanting = [name for name, need in needs.items() if need != PROMPTING]
    if not wanting:  # each axis has a prompting closer, but not the same one
        which = (
            _costs(chosen, both)
            if chosen is not None
            else "no cell closes both; measure one prompt that does both"
        )
        return (
            f"{DECIDED} question 1: prompting closes each axis but no prompting cell closes "
            f"both: {which}."
        )
    questions = " and ".join(str(number) for number in decided_by)
    label = "questions" if len(decided_by) > 1 else "question"
    needed = ", ".join(f"{needs[name].label} for {name}" for name in wanting)
    if chosen is None:
        each = ", ".join(
            f"{_simplest(_closers(cells, axis), [axis]).cell} closes {axis.name}" for axis in axes
        )
        return (
            f"{DECIDED} {label} {questions}: {needed}, but no cell here closes both ({each}); "
            "measure a cell that combines them."
        )
    kind = _kind(chosen)
    aside = f" ({kind.label})" if kind not in (needs[name] for name in wanting) else ""
    return f"{decided} {label} {questions}: {needed}: {_costs(chosen, both, aside)}."


def _rival(axis: _Axis, cell: Any) -> tuple[str, float, float] | None:
    """The cell significantly better than `cell` on `axis` by the most: (name, lead, p Holm)."""
    if axis.pairs.empty:
        return None
    leads = []
    for row in axis.pairs[axis.pairs["significant"]].itertuples():
        if cell.cell in (row.first, row.second):
            # `difference` is second minus first
            other, lead = (
                (row.second, row.difference)
                if row.first == cell.cell
                else (row.first, -row.difference)
            )
            if lead > 0:
                leads.append((other, lead, row.p_holm))
    return max(leads, key=lambda lead: lead[1], default=None)


def _closes(axis: _Axis, cell: Any) -> bool:
    """No cell is significantly better than `cell` on `axis` (a cell not measured on it: no)."""
    if not axis.measured:
        return True
    return axis.value(cell) is not None and _rival(axis, cell) is None


def _closers(cells: list[Any], axis: _Axis) -> list[Any]:
    # the most accurate or compliant cell is never beaten when all cells answered the same
    # questions; with cells on other questions, fall back on it rather than on nothing
    return [c for c in cells if _closes(axis, c)] or [_best(cells, axis)]


def _simplest(cells: list[Any], axes: list[_Axis]) -> Any:
    """The cell of the simplest kind, then the best on each axis in turn, then the cheapest."""

    def rank(cell: Any) -> tuple[float, ...]:
        values = [-(axis.value(cell) or 0.0) for axis in axes]
        return (_kind(cell), *values, cell.cost_per_1k_questions_usd)

    return min(cells, key=rank, default=None)


def _best(cells: list[Any], axis: _Axis) -> Any:
    measured = [c for c in cells if axis.value(c) is not None]
    return max(measured, key=axis.value, default=None)


def _gap(cells: list[Any], axis: _Axis) -> str:
    """How the answer to question 2 or 3 opens: whether prompting left a gap on `axis`."""
    if any(_kind(c) == PROMPTING for c in cells):
        return "Yes, prompting leaves a gap, and "
    return "No prompting cell to measure the gap from; "


def _trails(axis: _Axis, cell: Any) -> str:
    rival = _rival(axis, cell)
    if rival is None:  # not measured on this axis, or on questions no other cell answered
        return "cannot be compared with the others"
    name, lead, p_value = rival
    return f"trails {name} by {points(lead)} (McNemar p={p_value:.3g}, Holm)"


def _against_best(axis: _Axis, cell: Any, cells: list[Any]) -> str:
    """`cell` against the best cell on `axis`, with the paired test and its power."""
    best = _best(cells, axis)
    if best is None or best.cell == cell.cell or axis.value(best) == axis.value(cell):
        return f"the best on {axis.name}"
    test = _test(axis.pairs, cell.cell, best.cell)
    if test is None:
        return f"{best.cell}, the best, did not answer the same questions"
    if test.significant:
        return f"{points(test.gap)} below {best.cell} (McNemar p={test.p_holm:.3g}, Holm)"
    return (
        f"{points(test.gap)} below {best.cell}, not significant at this size (McNemar "
        f"p={test.p_holm:.3g}, Holm; this pair detects about "
        f"{points(test.detectable)})"
    )


@dataclass(frozen=True)
class _Test:
    gap: float  # how far the second cell is ahead of the first
    p_holm: float
    significant: bool
    detectable: float


def _test(pairs: pd.DataFrame, first: str, second: str) -> _Test | None:
    """The paired test of `second` against `first`; None if they share no questions."""
    row = pair_row(pairs, first, second)
    if row is None:
        return None
    sign = 1 if row["first"] == first else -1
    return _Test(sign * row["difference"], row["p_holm"], bool(row["significant"]),
                 row["detectable_difference"])  # fmt: skip


def _costs(cell: Any, peers: list[Any], aside: str = "") -> str:
    """The recommended cell with what it costs, what training it forgets, and a peer that closes
    the same gaps and becomes cheaper at volume (a higher setup paid back per question)."""
    text = (
        f"{cell.cell}{aside}, ${cell.cost_per_1k_questions_usd:.4f} per 1,000 questions, "
        f"setup ${cell.setup_usd:.4f} ({cell.setup_seconds:.0f} s)"
    )
    change = getattr(cell, "forgetting_change", None)
    if change is not None and not pd.isna(change):
        text += f"; the adapter changes accuracy on general questions by {100 * change:+.1f} points"
    volumes = [
        (
            stats.break_even_volume(
                cell.setup_usd,
                cell.cost_per_1k_questions_usd / 1000,
                peer.setup_usd,
                peer.cost_per_1k_questions_usd / 1000,
            ),
            peer,
        )
        for peer in peers
        if peer.cell != cell.cell
        and peer.cost_per_1k_questions_usd < cell.cost_per_1k_questions_usd
    ]
    volumes = [(volume, peer) for volume, peer in volumes if volume]
    if volumes:
        volume, peer = min(volumes, key=lambda item: item[0])
        text += (
            f"; {peer.cell}, not significantly worse, becomes the cheaper past "
            f"{volume:,.0f} questions"
        )
    return text
