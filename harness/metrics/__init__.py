"""Metrics as objects: every figure of a run is one `Metric`, and every output iterates `metrics()`.

A metric is computed per row (a value for each judged row it is taken `over`, then aggregated) or
per run (a function of all the judged rows). `harness.run.evaluate` writes each into `metrics.json`
under its name, with its 95 % interval beside it where it has one; the printed summary,
`report.csv`, `report.md` and `report.html` show it by its label, unit and digits.

Adding one is one module in this package that calls `register(Metric(...))`; `metrics()` imports
every module here the first time it is asked (docs/extending/metric.md).
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np

from harness import stats
from harness.errors import HarnessError
from harness.registry import Registry

# A prediction row (`harness.run.rows.PredictionRow.to_json()`) with its verdict beside it: outcome,
# correct, exact_match, f1, failure, behaviour, complies, scored_by and cost_usd.
Judged = dict[str, Any]
Unit = Literal[
    "share", "count", "seconds", "tokens", "per_second", "points", "signed_points", "number"
]
Aggregate = Literal["mean", "sum", "p50", "p95"]

# The modules of this package that hold the built-in metrics, imported first so that their
# figures lead every table; any other module here is imported after them, by name.
_BUILTIN = ("quality", "speed")
_DEFAULT_DIGITS = {"share": 1, "count": 0, "seconds": 3, "tokens": 1, "per_second": 2,
                   "points": 1, "signed_points": 1, "number": 3}  # fmt: skip


@dataclass(frozen=True)
class Metric:
    """One figure: how it is computed and aggregated, its interval, and how it is shown."""

    name: str  # its key in metrics.json
    label: str  # what the printed summary calls it
    row: Callable[[Judged], Any] | None = None  # per row: a number or a bool, None to skip
    over: Callable[[Judged], bool] | None = None  # the rows a per-row value is taken on (all)
    aggregate: Aggregate = "mean"
    run: Callable[[list[Judged]], Any] | None = None  # per run: all judged rows -> a number
    interval: Literal["wilson"] | None = None  # a 95 % interval of a per-row bool's mean
    interval_name: str | None = None  # its keys: <interval_name>_ci_low, _ci_high (default name)
    higher_is_better: bool | None = None  # None: neither (a count, the run's size)
    unit: Unit = "number"
    digits: int | None = None  # shown with this many decimals (default: by unit)
    column: str | None = None  # its column in the report tables (default: name)
    summary: bool = True  # a line of the printed summary
    headline: str | None = None  # its header in the report's first table, if it is one of the few
    report: bool = True  # a column of report.csv, report.md and report.html
    optional: bool = False  # shown only where some run has a value (e.g. retrieval only)

    def __post_init__(self) -> None:
        where = f"metric {self.name!r}"
        if not self.name.isidentifier():
            raise HarnessError(f"{where}: name it with letters, digits and _ (e.g. gold_words)")
        if (self.row is None) == (self.run is None):
            raise HarnessError(f"{where}: give exactly one of row= (per row) or run= (per run)")
        if self.aggregate not in get_args(Aggregate):
            raise HarnessError(f"{where}: aggregate={self.aggregate!r}; use one of "
                               f"{', '.join(get_args(Aggregate))}")  # fmt: skip
        if self.unit not in get_args(Unit):
            raise HarnessError(
                f"{where}: unit={self.unit!r}; use one of {', '.join(get_args(Unit))}"
            )
        if self.interval not in (None, "wilson"):
            raise HarnessError(f"{where}: interval={self.interval!r}; use 'wilson' or None")
        if self.interval and (self.row is None or self.aggregate != "mean"):
            raise HarnessError(f"{where}: a Wilson interval needs row= with aggregate='mean' "
                               "(the share of rows whose value is true)")  # fmt: skip

    @property
    def column_name(self) -> str:
        """Its column in the report tables."""
        return self.column or self.name

    @property
    def interval_keys(self) -> tuple[str, str] | None:
        """The keys (in metrics.json and the tables) of its interval's ends, if it has one."""
        if self.interval is None:
            return None
        prefix = self.interval_name or self.name
        return f"{prefix}_ci_low", f"{prefix}_ci_high"

    def compute(self, rows: list[Judged]) -> dict[str, Any]:
        """Its value over judged rows (None where there is nothing to take it on), and interval."""
        if self.run is not None:
            return {self.name: self.run(rows)}
        assert self.row is not None  # __post_init__: one of row and run
        taken = [r for r in rows if self.over is None or self.over(r)]
        values = [value for value in map(self.row, taken) if value is not None]
        figures: dict[str, Any] = {self.name: _aggregated(values, self.aggregate)}
        if keys := self.interval_keys:
            low, high = stats.wilson_interval(sum(bool(v) for v in values), len(values))
            figures.update(dict(zip(keys, (low, high) if values else (None, None), strict=True)))
        return figures

    def text(self, value: Any, low: Any = None, high: Any = None) -> str:
        """The value as shown, with its interval where it has one: `80.0% [49.0%, 94.3%]`."""
        shown = format_value(value, self.unit, self.digits)
        if self.interval is None or _missing(value) or _missing(low):
            return shown
        ends = (format_value(end, self.unit, self.digits) for end in (low, high))
        return f"{shown} [{', '.join(ends)}]"


def _load_modules() -> None:
    found = sorted(info.name for info in pkgutil.iter_modules(__path__))
    for name in (*_BUILTIN, *(n for n in found if n not in _BUILTIN and not n.startswith("_"))):
        importlib.import_module(f"{__name__}.{name}")


METRICS: Registry[Metric] = Registry("metric", load=_load_modules)


def register(metric: Metric) -> Metric:
    """Add a metric to the list every output iterates; a second metric of one name is refused."""
    # added so far: loading the package from here would register its modules out of order
    taken = {m.column_name: m.name for m in METRICS.added() if m.name != metric.name}
    if metric.column_name in taken:
        owner = taken[metric.column_name]
        raise HarnessError(f"metric {metric.name!r}: column {metric.column_name!r} is metric "
                           f"{owner!r}'s; set column= to another name")  # fmt: skip
    return METRICS.add(metric.name, metric)


@dataclass(frozen=True)
class Scorer:
    """A judgement only some answers get (citations asked for, a changed context), with the
    metrics that read it, as inspect_ai's `@scorer(metrics=...)` pairs them.

    `applies` picks the raw rows (`harness.run.rows.PredictionRow`) it judges; `score(row, text,
    rules)` judges one (`text`: what the rules read, `rules`: the `ScoringRules`), and the value
    goes into the row's verdict under `name`, where `metrics` read it. `reads`, if given, is
    what the rules read of such an answer (citations taken out, so citing changes no verdict).
    """

    name: str
    applies: Callable[[Any], bool]
    score: Callable[[Any, str, Any], Any]
    metrics: tuple[Metric, ...] = ()
    reads: Callable[[str], str] | None = None


SCORERS: Registry[Scorer] = Registry("scorer", load=_load_modules)


def register_scorer(scorer: Scorer) -> Scorer:
    """Add a scorer and register its metrics; a second scorer of one name is refused."""
    for metric in scorer.metrics:
        register(metric)
    return SCORERS.add(scorer.name, scorer)


def metrics() -> list[Metric]:
    """Every metric, the built-in ones first, after importing each module of this package (a
    module added to the package since the last call included)."""
    _load_modules()
    return METRICS.items()


def scorers() -> list[Scorer]:
    """Every scorer of a feature, after importing each module of this package."""
    _load_modules()
    return SCORERS.items()


def compute_all(rows: list[Judged]) -> dict[str, Any]:
    """Every metric's figures over judged rows, in the order of `metrics()`."""
    figures: dict[str, Any] = {}
    for metric in metrics():
        figures.update(metric.compute(rows))
    return figures


def format_value(value: Any, unit: Unit, digits: int | None = None) -> str:
    """A figure as shown in the summary and the Markdown and HTML tables; n/a for no value."""
    if _missing(value):
        return "n/a"
    places = _DEFAULT_DIGITS[unit] if digits is None else digits
    if unit == "share":
        return f"{100 * value:.{places}f}%"
    if unit == "points":
        return f"{100 * value:.{places}f} points"
    if unit == "signed_points":
        return f"{100 * value:+.{places}f} points"
    if unit == "count":
        return str(int(value))
    if unit == "seconds":
        return f"{value:.{places}f}s"
    return f"{value:.{places}f}"


def percentile(values: np.ndarray, q: float) -> float | None:
    """The q-th percentile (0-100, linear interpolation), or None for no values."""
    return float(np.percentile(values, q)) if len(values) else None


def mean(values: Iterable[Any]) -> float | None:
    """The mean of numbers (bools count as 0 and 1), or None for none."""
    numbers = [float(v) for v in values]
    return sum(numbers) / len(numbers) if numbers else None


def _aggregated(values: list[Any], how: Aggregate) -> Any:
    if how == "sum":
        return sum(values)
    if how == "mean":
        return mean(values)
    return percentile(np.array(values, dtype=float), 50 if how == "p50" else 95)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
