"""Costs from the price table in `conf/pricing/`; no price is ever assumed in code."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

from harness.errors import HarnessError
from harness.plugins import register_schema


@dataclass
class PricingConfig:
    """The price table every cost figure comes from."""

    _target_: str = "harness.costs.build_pricing"
    hardware_name: str = MISSING
    hardware_usd_per_hour: float = MISSING
    price_date: str = MISSING
    token_prices: dict[str, Any] = field(default_factory=dict)


register_schema("pricing", "table", PricingConfig)


@dataclass(frozen=True)
class TokenPrice:
    """USD per million input and output tokens for a model billed per token."""

    input: float
    output: float
    taken: str  # the date the price was read, so a reader can tell how stale it is


@dataclass(frozen=True)
class Pricing:
    """Hardware price per hour for local compute, and per-token prices for API models."""

    hardware_name: str
    hardware_usd_per_hour: float
    price_date: str
    token_prices: dict[str, TokenPrice] = field(default_factory=dict)

    def compute_cost(self, seconds: float) -> float:
        """Cost of `seconds` of local compute on the priced hardware."""
        return seconds * self.hardware_usd_per_hour / 3600.0

    def query_cost(
        self, model_name: str, seconds: float, prompt_tokens: int, completion_tokens: int
    ) -> float:
        """Cost of one query: per-token price where the model has one, else compute time."""
        price = self.token_prices.get(model_name)
        if price is None:
            return self.compute_cost(seconds)
        return (prompt_tokens * price.input + completion_tokens * price.output) / 1e6


def pricing_problems(pricing: Any) -> list[str]:
    """Each price in the `pricing` node (a DictConfig or a mapping) that is not a finite number
    >= 0, as `key=value: use ...`: a negative or NaN price makes every cost figure meaningless.
    Checked with the run's other settings, before any model loads, and by `build_pricing`."""
    problems = []
    prices = [("pricing.hardware_usd_per_hour", pricing.get("hardware_usd_per_hour"), "per hour")]
    for name, price in (pricing.get("token_prices") or {}).items():
        for key in ("input", "output"):
            if hasattr(price, "get") and price.get(key) is not None:
                unit = "per million tokens"
                prices.append((f"pricing.token_prices.{name}.{key}", price.get(key), unit))
    for key, value, unit in prices:
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if isinstance(value, bool) or not (math.isfinite(number) and number >= 0):
            problems.append(f"{key}={value}: use a finite number >= 0 (USD {unit})")
    return problems


def build_pricing(
    hardware_name: str,
    hardware_usd_per_hour: float,
    price_date: str,
    token_prices: dict[str, dict[str, float]] | None = None,
) -> Pricing:
    """Builder for `conf/pricing/*.yaml`."""
    given = {"hardware_usd_per_hour": hardware_usd_per_hour, "token_prices": token_prices}
    if problems := pricing_problems(given):
        raise HarnessError("; ".join(problems))
    prices = {}
    for name, price in (token_prices or {}).items():
        missing = [key for key in ("input", "output", "taken") if key not in price]
        if missing:
            raise HarnessError(
                f"pricing.token_prices.{name}: missing {', '.join(missing)}; give USD per million "
                f"input and output tokens and the date the prices were taken"
            )
        prices[name] = TokenPrice(
            float(price["input"]), float(price["output"]), str(price["taken"])
        )
    return Pricing(hardware_name, float(hardware_usd_per_hour), str(price_date), prices)
