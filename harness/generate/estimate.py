"""What a generation run will cost, said before it starts, and the limits it must stay under.

Calls: one per section for facts, one per kept fact for paraphrases (at most facts_per_section
per section and max_facts_per_document per document), one per section for unanswerable
questions; retries come on top (at most max_retries per call). Prompt tokens are counted with
the model's own tokenizer (the paraphrase prompts, not known yet, are estimated from a section's
opening); completion tokens are counted at max_new_tokens, an upper bound. Cached replies cost
nothing. A model with a price in `conf/pricing` is priced per token; any other is priced by
compute time on the priced hardware, from the mean seconds of the replies already cached or of
one batch of calls made (and cached) to measure it; on shared cores that figure is rough.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from harness.costs import Pricing
from harness.errors import HarnessError


@dataclass
class Estimate:
    """The calls, tokens and cost a run may need, counting only replies not cached yet."""

    calls: int  # first attempts not cached yet, paraphrase calls at their upper bound
    cached: int  # first attempts already in the cache
    max_calls_with_retries: int
    prompt_tokens: int
    completion_tokens: int  # at max_new_tokens per call: an upper bound
    cost_usd: float
    priced_by: str  # "tokens (<price>)" or "compute time (<hardware>, <seconds> s per call)"

    def lines(self) -> list[str]:
        """The estimate as the lines printed before generating."""
        return [
            f"calls: up to {self.calls} (+{self.cached} already cached; up to "
            f"{self.max_calls_with_retries} with retries)",
            f"tokens: about {self.prompt_tokens:,} prompt + up to {self.completion_tokens:,} "
            "completion",
            f"cost: up to ${self.cost_usd:.4f}, priced by {self.priced_by}",
        ]

    def as_dict(self) -> dict[str, object]:
        """The estimate for generation.json."""
        return asdict(self)


def estimate(
    model_name: str,
    pricing: Pricing,
    prompt_tokens: list[int],
    cached: int,
    max_new_tokens: int,
    max_retries: int,
    seconds_per_call: float | None,
) -> Estimate:
    """Price the uncached calls whose prompt sizes are `prompt_tokens`."""
    calls = len(prompt_tokens)
    prompt, completion = sum(prompt_tokens), calls * max_new_tokens
    price = pricing.token_prices.get(model_name)
    if price is not None:
        cost = (prompt * price.input + completion * price.output) / 1e6
        priced_by = f"tokens (${price.input}/${price.output} per M, taken {price.taken})"
    else:
        seconds = seconds_per_call or 0.0
        cost = pricing.compute_cost(seconds * calls)
        priced_by = (
            f"compute time ({pricing.hardware_name}, ${pricing.hardware_usd_per_hour}/h, "
            f"{seconds:.1f} s per call measured)"
        )
    return Estimate(calls, cached, calls * (1 + max_retries), prompt, completion, cost, priced_by)


def check_limits(plan: Estimate, max_calls: int | None, max_cost_usd: float | None) -> None:
    """Refuse to start a run that may go over `generate.max_calls` or `generate.max_cost_usd`."""
    if max_calls is not None and plan.calls > max_calls:
        raise HarnessError(
            f"generate.max_calls={max_calls}: this run may need {plan.calls} calls; raise "
            "generate.max_calls, or give a smaller corpus or fewer facts/paraphrases per section"
        )
    if max_cost_usd is not None and plan.cost_usd > max_cost_usd:
        raise HarnessError(
            f"generate.max_cost_usd={max_cost_usd}: this run may cost ${plan.cost_usd:.4f}; raise "
            "generate.max_cost_usd, or give a smaller corpus or fewer facts/paraphrases per section"
        )
