"""Compliance catalogues: every check's references resolve, the shipped catalogues are
well-formed, coverage and the per-control scan summary compute what they claim, and
``skyscan checks list --framework`` shows it."""

from __future__ import annotations

import copy
import json
import re
import tomllib
from typing import Any

import pytest

from scanner import compliance, registry
from scanner.compliance import (
    Catalogue,
    CatalogueError,
    Control,
    ControlStatus,
    UnknownFrameworkError,
    check_refs,
    coverage,
    summarise,
)
from scanner.compliance.catalogue import parse
from scanner.model import CheckSpec, ComplianceRef, Finding, Severity, Status, make_finding
from scanner.registry import Check
from scanner.runner import ScanResult
from scanner.snapshot import Scope, Snapshot
from tests.test_cli import ROOT, assert_one_line_error, skyscan

REGISTRY = registry.load()  # plugins included: their references must resolve too
EXPECTED = ("cis-aws-3.0.0", "cis-aws-4.0.1", "cis-azure-3.0.0", "cis-azure-4.0.0")


def spec(check_id: str, *refs: tuple[str, str, str]) -> CheckSpec:
    return CheckSpec(
        id=check_id, title=check_id, severity=Severity.MEDIUM, provider="aws", service="s3",
        requires=("aws.s3.bucket",), remediation="fix it",
        compliance=tuple(ComplianceRef(*r) for r in refs),
    )


# every registered reference resolves ----------------------------------------------

@pytest.mark.parametrize("check", [c for c in REGISTRY.checks if c.spec.compliance], ids=lambda c: c.spec.id)
def test_every_reference_of_a_registered_check_names_a_known_control(check: Check) -> None:
    assert check_refs([check.spec]) == ()


def test_the_reference_check_reports_an_unknown_control_and_an_unknown_version() -> None:
    fabricated = spec("aws_s3_bucket_made_up",
                      ("cis-aws", "4.0.1", "2.1.4"),  # exists
                      ("cis-aws", "4.0.1", "2.1.99"),  # no such control
                      ("cis-aws", "1.2.0", "1.1"))  # no such catalogue
    problems = check_refs([fabricated])
    assert [(p.check_id, p.ref.version, p.ref.control) for p in problems] == [
        ("aws_s3_bucket_made_up", "4.0.1", "2.1.99"),
        ("aws_s3_bucket_made_up", "1.2.0", "1.1"),
    ]
    assert "2.1.99" in str(problems[0]) and "no catalogue" in problems[1].reason


def test_an_existing_control_of_the_other_version_is_still_unknown() -> None:
    # 2.4.1 (EFS) exists in 3.0.0 only; 4.0.1 numbers it 2.3.1
    assert check_refs([spec("aws_efs_file_system_encrypted", ("cis-aws", "3.0.0", "2.4.1"))]) == ()
    assert len(check_refs([spec("aws_efs_file_system_encrypted", ("cis-aws", "4.0.1", "2.4.1"))])) == 1


# the shipped catalogues -------------------------------------------------------------

def test_the_four_catalogues_are_shipped() -> None:
    assert compliance.available() == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_catalogue_is_well_formed(name: str) -> None:
    cat = compliance.load(name)
    assert cat.name == name
    ids = [c.id for c in cat.controls]
    assert len(ids) == len(set(ids))
    assert {c.assessment for c in cat.controls} == {"automated", "manual"}
    assert all(c.level in (1, 2) for c in cat.controls)
    assert all(c.section in cat.sections and c.id.startswith(c.section + ".") for c in cat.controls)
    assert cat.sources and re.fullmatch(r"\d{4}-\d{2}-\d{2}", cat.compiled)
    # benchmark order: ids ascend numerically
    keys = [tuple(int(p) for p in c.id.split(".")) for c in cat.controls]
    assert keys == sorted(keys)


@pytest.mark.parametrize(("name", "controls", "automated"), [
    ("cis-aws-3.0.0", 62, 36), ("cis-aws-4.0.1", 64, 37), ("cis-azure-3.0.0", 159, 97), ("cis-azure-4.0.0", 139, 77),
])
def test_catalogue_sizes(name: str, controls: int, automated: int) -> None:
    cat = compliance.load(name)
    assert (len(cat.controls), sum(c.automated for c in cat.controls)) == (controls, automated)


@pytest.mark.parametrize(("name", "control", "level", "assessment", "words"), [
    ("cis-aws-4.0.1", "2.1.4", 1, "automated", "Block Public Access"),
    ("cis-aws-4.0.1", "2.1.2", 2, "manual", "MFA Delete"),
    ("cis-aws-4.0.1", "4.1", 2, "automated", "unauthorized API calls"),
    ("cis-aws-3.0.0", "4.1", 2, "manual", "unauthorized API calls"),
    ("cis-aws-3.0.0", "2.2.1", 1, "automated", "EBS"),
    ("cis-aws-4.0.1", "5.1.1", 1, "automated", "EBS"),
    ("cis-azure-3.0.0", "4.17", 1, "automated", "Blob Anonymous Access"),
    ("cis-azure-4.0.0", "10.3.9", 1, "automated", "Blob Anonymous Access"),
    ("cis-azure-4.0.0", "6.1.1", 1, "manual", "security defaults"),
])
def test_known_controls(name: str, control: str, level: int, assessment: str, words: str) -> None:
    found = compliance.load(name).get(control)
    assert found is not None
    assert (found.level, found.assessment) == (level, assessment)
    assert words in found.title


def test_unknown_catalogue_names_the_available_ones() -> None:
    with pytest.raises(UnknownFrameworkError) as caught:
        compliance.load("cis-aws-9.9.9")
    assert caught.value.known == EXPECTED
    assert "cis-aws-9.9.9" in str(caught.value) and "cis-azure-4.0.0" in str(caught.value)


def test_split_name() -> None:
    assert compliance.split_name("cis-azure-4.0.0") == ("cis-azure", "4.0.0")
    with pytest.raises(ValueError):
        compliance.split_name("cis-aws")


def test_catalogue_json_files_ship_in_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["scanner"]
    shipped = {p.stem for pattern in patterns for p in (ROOT / "scanner").glob(pattern)}
    assert set(EXPECTED) <= shipped


# parse: a broken catalogue names the file and field -----------------------------

def minimal_doc() -> dict[str, Any]:
    return {
        "kind": "skyscan-compliance-catalogue", "schema_version": 1,
        "framework": "cis-test", "version": "1.0.0", "title": "Test benchmark", "compiled": "2026-01-01",
        "sources": ["made up for the test"], "sections": {"1": "One", "2": "Two"},
        "controls": [
            {"id": "1.1", "title": "Automated and covered", "section": "1", "level": 1, "assessment": "automated"},
            {"id": "1.2", "title": "Automated, not covered", "section": "1", "level": 2, "assessment": "automated"},
            {"id": "2.1", "title": "Manual with a check", "section": "2", "level": None, "assessment": "manual"},
            {"id": "2.10", "title": "Tenth", "section": "2", "level": 1, "assessment": "manual"},
        ],
    }


@pytest.mark.parametrize(("mutate", "fragment"), [
    (lambda d: d["controls"].append(dict(d["controls"][0])), "controls[4].id '1.1' appears twice"),
    (lambda d: d["controls"][1].update(assessment="sometimes"), "controls[1].assessment"),
    (lambda d: d["controls"][1].update(level=3), "controls[1].level"),
    (lambda d: d["controls"][2].update(section="9"), "controls[2].section '9' is not in sections"),
    (lambda d: d["controls"][2].update(id="1.3"), "controls[2].id '1.3' is not inside section '2'"),
    (lambda d: d["controls"][0].update(id="one"), "controls[0].id"),
    (lambda d: d["controls"][0].pop("title"), "controls[0].title"),
    (lambda d: d.update(kind="something else"), "kind"),
    (lambda d: d.update(sources=[]), "sources"),
    (lambda d: d.update(controls=[]), "controls must be a non-empty list"),
])
def test_parse_rejects_a_broken_document(mutate: Any, fragment: str) -> None:
    doc = copy.deepcopy(minimal_doc())
    mutate(doc)
    with pytest.raises(CatalogueError) as caught:
        parse(doc, "test.json")
    assert str(caught.value).startswith("test.json: ") and fragment in str(caught.value)


# coverage ----------------------------------------------------------------------

CATALOGUE = parse(minimal_doc(), "test.json")


def test_coverage_of_a_small_catalogue() -> None:
    specs = [
        spec("aws_x_covers_one", ("cis-test", "1.0.0", "1.1")),
        spec("aws_x_covers_one_too", ("cis-test", "1.0.0", "1.1"), ("cis-test", "1.0.0", "2.1")),
        spec("aws_x_other_version", ("cis-test", "2.0.0", "1.2")),  # another version: not counted
        spec("aws_x_typo", ("cis-test", "1.0.0", "1.9")),  # names no control
        spec("aws_x_no_refs"),
    ]
    cov = coverage(CATALOGUE, specs)
    assert [(c.control.id, c.checks) for c in cov.controls] == [
        ("1.1", ("aws_x_covers_one", "aws_x_covers_one_too")),
        ("1.2", ()),
        ("2.1", ("aws_x_covers_one_too",)),
        ("2.10", ()),
    ]
    assert [c.control.id for c in cov.automated_uncovered] == ["1.2"]
    assert [c.control.id for c in cov.manual] == ["2.1", "2.10"]
    assert cov.summary_line() == "1 of 2 automated controls covered"
    assert [(p.check_id, p.ref.control) for p in cov.problems] == [("aws_x_typo", "1.9")]
    doc = cov.as_dict()
    assert doc["summary"] == {"controls": 4, "automated": 2, "automated_covered": 1, "manual": 2,
                              "manual_with_checks": 1}
    assert doc["controls"][2]["level"] is None


def test_coverage_table_marks_uncovered_controls() -> None:
    cov = coverage(CATALOGUE, [spec("aws_x_covers_one", ("cis-test", "1.0.0", "1.1"))])
    lines = compliance.render_table(cov).splitlines()
    row = {line.split()[0]: line for line in lines[:-1] if line[:1].isdigit()}
    assert "aws_x_covers_one" in row["1.1"] and row["1.1"].split()[1:3] == ["L1", "automated"]
    assert row["1.2"].endswith("not covered") and row["2.1"].split()[1:3] == ["-", "manual"]
    assert "2.10" in row  # an id, never reformatted as the number 2.1
    assert lines[-1] == "1 of 2 automated controls covered"


# per-control scan summary ------------------------------------------------------

def finding(check: CheckSpec, status: Status, resource: str) -> Finding:
    return make_finding(check, status=status, account="111122223333", region="us-east-1",
                        resource_id=f"arn:aws:s3:::{resource}", resource_type="aws.s3.bucket", reason="")


def scan_of(specs: list[CheckSpec], findings: list[Finding]) -> ScanResult:
    checks = tuple(Check(s, lambda snap: (), f"tests.{s.id}", "builtin") for s in specs)
    snap = Snapshot([Scope("aws", "111122223333", ("us-east-1",))], collected=("aws.s3.bucket",))
    return ScanResult(snap, tuple(findings), checks, "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z")


def summary_catalogue() -> Catalogue:
    controls = [Control(f"1.{i}", f"control {i}", "1", 1, "automated") for i in range(1, 8)]
    return Catalogue("cis-test", "1.0.0", "Test", "2026-01-01", ("test",), tuple(controls), {"1": "One"})


def test_scan_summary_per_control() -> None:
    def ref(control: str) -> tuple[str, str, str]:
        return ("cis-test", "1.0.0", control)

    passing = spec("aws_t_passing", ref("1.1"), ref("1.2"), ref("1.3"))
    failing = spec("aws_t_failing", ref("1.2"), ref("1.4"))
    erroring = spec("aws_t_erroring", ref("1.3"), ref("1.4"))
    empty = spec("aws_t_nothing_to_judge", ref("1.5"))
    muted = spec("aws_t_muted", ref("1.7"))
    findings = [
        finding(passing, Status.PASS, "a"), finding(passing, Status.PASS, "b"),
        finding(failing, Status.FAIL, "a"),
        finding(erroring, Status.ERROR, "c"),
        finding(muted, Status.MUTED, "a"), finding(muted, Status.PASS, "b"),
    ]
    # 1.6 is referenced only by a check the scan did not run
    summary = summarise(scan_of([passing, failing, erroring, empty, muted], findings), summary_catalogue())
    status = {c.control.id: c.status for c in summary.controls}
    assert status == {
        "1.1": ControlStatus.PASS,  # every finding passed
        "1.2": ControlStatus.FAIL,  # one check passes, another fails
        "1.3": ControlStatus.ERROR,  # a pass and an undecided finding
        "1.4": ControlStatus.FAIL,  # a failure is definite even with an error beside it
        "1.5": ControlStatus.PASS,  # the check ran and found nothing to judge
        "1.6": ControlStatus.NOT_EVALUATED,  # no check of this scan references it
        "1.7": ControlStatus.PASS,  # muted findings do not fail the control
    }
    c12 = summary.get("1.2")
    assert c12 is not None and c12.checks == ("aws_t_failing", "aws_t_passing")
    assert c12.findings == {Status.PASS: 2, Status.FAIL: 1, Status.ERROR: 0, Status.MUTED: 0}
    assert summary.counts == {ControlStatus.PASS: 3, ControlStatus.FAIL: 2, ControlStatus.ERROR: 1,
                              ControlStatus.NOT_EVALUATED: 1}
    doc = summary.as_dict()
    assert doc["counts"] == {"PASS": 3, "FAIL": 2, "ERROR": 1, "NOT_EVALUATED": 1}
    assert doc["controls"][6]["findings"] == {"PASS": 1, "FAIL": 0, "ERROR": 0, "MUTED": 1}


def test_scan_summary_ignores_references_to_other_versions() -> None:
    other = spec("aws_t_other", ("cis-test", "2.0.0", "1.1"))
    summary = summarise(scan_of([other], [finding(other, Status.FAIL, "a")]), summary_catalogue())
    assert {c.status for c in summary.controls} == {ControlStatus.NOT_EVALUATED}


# skyscan checks list --framework ---------------------------------------------

def test_checks_list_framework_table() -> None:
    proc = skyscan("checks", "list", "--framework", "cis-aws-4.0.1")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    rows = {line.split()[0]: line for line in lines[:-1] if line[:1].isdigit()}
    cat = compliance.load("cis-aws-4.0.1")
    assert [k for k in rows if cat.get(k) is None] == [] and len(rows) == 64
    assert "aws_s3_bucket_secure_transport" in rows["2.1.1"]
    assert rows["1.1"].endswith("not covered")
    match = re.fullmatch(r"(\d+) of (\d+) automated controls covered", lines[-1])
    assert match and int(match[2]) == 37 and int(match[1]) >= 2


def test_checks_list_framework_json_agrees_with_the_table() -> None:
    table = skyscan("checks", "list", "--framework", "cis-aws-4.0.1").stdout.splitlines()[-1]
    proc = skyscan("checks", "list", "--framework", "cis-aws-4.0.1", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    by_id = {c["id"]: c for c in doc["controls"]}
    assert len(by_id) == 64
    assert {"aws_s3_account_block_public_access", "aws_s3_bucket_block_public_access"} <= set(by_id["2.1.4"]["checks"])
    assert by_id["2.1.4"]["assessment"] == "automated" and by_id["2.1.4"]["section_title"]
    summary = doc["summary"]
    assert table == f"{summary['automated_covered']} of {summary['automated']} automated controls covered"


def test_checks_list_framework_respects_the_selection() -> None:
    proc = skyscan("checks", "list", "--framework", "cis-aws-4.0.1", "--checks", "aws_s3_bucket_secure_transport",
                   "--json")
    covered = {c["id"]: c["checks"] for c in json.loads(proc.stdout)["controls"] if c["checks"]}
    assert covered == {"2.1.1": ["aws_s3_bucket_secure_transport"]}


def test_checks_list_unknown_framework_is_a_usage_error() -> None:
    proc = skyscan("checks", "list", "--framework", "cis-aws-9")
    assert_one_line_error(proc, "cis-aws-9", "cis-aws-4.0.1", "cis-azure-3.0.0")
    assert proc.stdout == ""


def test_checks_list_framework_without_covering_checks_lists_every_control() -> None:
    proc = skyscan("checks", "list", "--framework", "cis-azure-4.0.0", "--provider", "aws", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert len(doc["controls"]) == 139 and doc["summary"]["automated_covered"] == 0

