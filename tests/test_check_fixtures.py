"""Meta-test: every registered check (plugins included) has scenarios that make it
PASS, FAIL and ERROR, and gives exactly the expected verdicts on each."""

from __future__ import annotations

import pytest

from scanner import registry
from scanner.model import Status
from tests.scenarios import load_scenario, normalise, scenario_paths

REGISTRY = registry.load()


@pytest.mark.parametrize("check", REGISTRY.checks, ids=lambda c: c.spec.id)
def test_check_has_pass_fail_and_error_scenarios(check: registry.Check) -> None:
    seen: set[str] = set()
    for path in scenario_paths(check):
        scenario = load_scenario(path)
        expected = scenario.expect.get(check.spec.id)
        if expected is None:
            continue
        findings = list(check.evaluate(scenario.snapshot))
        by_resource = {}
        for finding in findings:
            assert finding.resource_id not in by_resource, (path.name, finding.resource_id)
            by_resource[finding.resource_id] = finding
        assert set(by_resource) == set(expected), path.name
        for resource_id, raw in expected.items():
            want = normalise(raw)
            got = by_resource[resource_id]
            assert got.status.value == want["status"], (path.name, resource_id, got.reason)
            if "severity" in want:
                assert got.severity.value == want["severity"], (path.name, resource_id)
            for key, value in want.get("details", {}).items():
                assert got.details.get(key) == value, (path.name, resource_id, key)
            seen.add(got.status.value)
    missing = {Status.PASS.value, Status.FAIL.value, Status.ERROR.value} - seen
    assert not missing, f"{check.spec.id} has no scenario giving {sorted(missing)}"
