"""Defender for Cloud plans: one check per plan, one finding per subscription.

A plan is on when its ``pricingTier`` is Standard. A plan missing from a pricings list
that was read is taken at the platform default, Free (off), and the finding says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scanner.model import CheckSpec, Finding
from scanner.resources.azure_monitor import DefenderPlans
from scanner.snapshot import Snapshot


def evaluate_plan(spec: CheckSpec, snap: Snapshot, plan: str) -> Iterator[Finding]:
    for record in snap.resources(DefenderPlans):
        if record.pricings is None:
            yield spec.error(record, "the Defender for Cloud plans could not be read")
            continue
        pricing = next((p for p in record.pricings if p.name.lower() == plan.lower()), None)
        if pricing is None:
            yield spec.fail(record, f"Defender plan {plan} is not listed: Free (off)", plan=plan,
                            pricing_tier="Free", source="default", default="plan not listed: Free")
            continue
        tier = pricing.pricing_tier or "Free"
        details: dict[str, Any] = {"plan": plan, "pricing_tier": tier, "sub_plan": pricing.sub_plan,
                                   "source": "configured"}
        if tier.lower() == "standard":
            yield spec.ok(record, f"Defender plan {plan} is on", **details)
        else:
            yield spec.fail(record, f"Defender plan {plan} is {tier} (off)", **details)
