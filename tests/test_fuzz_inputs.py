"""Bad input never crashes skyscan: property tests (hypothesis) feed mutated and random
snapshots, mute files, baseline reports and command lines to ``scanner.cli.main``.

Every run must end with a documented exit code: 2 for bad input, with exactly one line
on stderr naming the file (and the field, line or flag) and no traceback, and with no
output file created or altered; 0, 1 or 3 when the input happens to be valid, and then
the JSON report validates against the shipped schema.

The CLI runs in-process so hundreds of examples take seconds. Its standard output is a
strict UTF-8 stream, as a real one is: text that cannot be encoded fails the test.
Examples are derandomised, so CI sees the same inputs every run
(``--hypothesis-show-statistics`` shows how many each property tried).
"""

from __future__ import annotations

import copy
import io
import json
import re
import shutil
from collections.abc import Iterator, Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from scanner import registry, snapshot
from scanner.cli import build_parser, main
from scanner.collect import catalog
from tests.reporting import validate_report_text
from tests.scenarios import load_scenario

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "checks"
VALID_EXITS = (0, 1, 3)
USAGE = 2

FUZZ = settings(
    derandomize=True,  # the same examples on every run and machine
    database=None,  # nothing written next to the tests
    deadline=None,  # an in-process scan's time varies with the machine; the budget is max_examples
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                           HealthCheck.data_too_large],
    # report the failing input as found: shrinking a whole scan per step takes minutes
    phases=[Phase.explicit, Phase.generate],
)


@pytest.fixture(autouse=True, scope="module")
def fast_registry() -> Iterator[None]:
    """Check discovery reads entry points and validates every module: the same answer
    each time, so load it once per module instead of once per example."""
    with pytest.MonkeyPatch.context() as mp:
        loaded, types = registry.load(), catalog.record_types()
        mp.setattr(registry, "load", lambda: loaded)
        mp.setattr(catalog, "record_types", lambda: types)
        yield


# running the CLI ----------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    code: int | str
    out: str
    err: str


class WouldCallCloud(Exception):
    """Raised where a live scan would make its first cloud call (argv fuzzing only)."""


def run_cli(argv: Sequence[str]) -> Run:
    """``main(argv)`` with stdout as strict UTF-8 (a pipe or terminal) and stderr with
    backslashreplace (Python's own stderr setting)."""
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", errors="strict", newline="")
    err = io.TextIOWrapper(err_bytes, encoding="utf-8", errors="backslashreplace", newline="")
    code: int | str
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except WouldCallCloud:
            code = "live"
    out.flush()
    err.flush()
    if currently_in_test_context():  # --hypothesis-show-statistics: how many were refused, how many ran
        event(f"exit {code}")
    return Run(code, out_bytes.getvalue().decode("utf-8"), err_bytes.getvalue().decode("utf-8"))


def files_in(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def assert_usage_error(run: Run, *names: str) -> str:
    """Exit 2, one line on stderr, no traceback, naming every one of ``names``."""
    assert run.code == USAGE, run
    assert "Traceback" not in run.err, run.err
    lines = run.err.splitlines()
    assert len(lines) == 1 and run.err.endswith("\n"), run.err
    line = lines[0]
    assert line.startswith("skyscan"), line
    for name in names:
        assert name in line, (name, line)
    return line


def assert_outcome(run: Run, directory: Path, before: dict[str, bytes], report: Path | None,
                   *names: str) -> str | None:
    """The contract for one run over one input file: a usage error that names it and
    leaves every file as it was, or a complete run whose JSON report is valid."""
    assert run.code in (*VALID_EXITS, USAGE), run
    assert "Traceback" not in run.err, run.err
    if run.code == USAGE:
        line = assert_usage_error(run, *names)
        assert files_in(directory) == before  # nothing created, nothing altered, no temporary file left
        return line
    if report is not None:
        validate_report_text(report.read_text(encoding="utf-8"))
    assert not RAW_CONTROL.search(run.out), run.out  # the table: whatever the input held, nothing raw
    return None


# what must never reach a terminal: C0 (but newline) and C1 controls, bidi, zero-width, separators, BOM
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


# JSON mutation ------------------------------------------------------------------------

Path_ = tuple[str | int, ...]


def nodes(doc: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    yield path, doc
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from nodes(value, (*path, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from nodes(value, (*path, index))


def dotted(path: Path_) -> str:
    """A path as skyscan's messages spell it: ``resources.aws.s3.bucket[0].acl``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


ODD_TEXT = [
    "", " ", "\n", "a\nb", "\r\n", "\x00", "\x1b[2J\x1b[31mred", "\x1b]8;;http://evil.example\x07x\x1b]8;;\x07",
    "\u202eevil\u202c", "\ufeff", "\u2028", "=cmd|' /C calc'!A0", "x" * 100_000, "é\u0301", "\U0001f600",
    "null", "true", "1e999", "../../etc/passwd", "<script>", "'\"`", "\ud800", "lone \udfff surrogate",
]
junk_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([2**63, -(2**63) - 1, 10**4000, 0, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(ODD_TEXT),
    st.text(max_size=30),
)
junk = st.recursive(
    junk_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def mutated(draw: st.DrawFn, doc: Any, max_mutations: int = 3) -> tuple[Any, list[Path_]]:
    """A copy of ``doc`` with 1 to ``max_mutations`` changes at random depths: a node
    deleted, replaced by junk, retyped, duplicated or its key renamed."""
    doc = copy.deepcopy(doc)
    touched: list[Path_] = []
    for _ in range(draw(st.integers(1, max_mutations))):
        path, value = draw(st.sampled_from(list(nodes(doc))))
        op = draw(st.sampled_from(["delete", "replace", "retype", "duplicate", "rename"]))
        if not path:  # the whole document
            doc = draw(junk)
            touched.append(path)
            continue
        parent: Any = doc
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        if op == "delete":
            del parent[last]
        elif op == "replace":
            parent[last] = draw(junk)
        elif op == "retype":
            parent[last] = draw(st.sampled_from([[value], {"value": value}, json.dumps(value), str(value), 1, None]))
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(last, copy.deepcopy(value))
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(ODD_TEXT[:8]) | st.text(max_size=8))] = parent.pop(last)
        else:
            parent[last] = draw(junk)
        touched.append(path)
    return doc, touched


def dump(doc: Any) -> bytes:
    """JSON as a careless writer would produce it: NaN and Infinity allowed, lone
    surrogates escaped (``ensure_ascii``)."""
    return json.dumps(doc, allow_nan=True).encode()


@st.composite
def broken_bytes(draw: st.DrawFn, text: bytes) -> bytes:
    """The file's bytes cut, spliced or corrupted: invalid JSON or YAML, invalid UTF-8."""
    cut = draw(st.integers(0, len(text)))
    kind = draw(st.sampled_from(["truncate", "insert", "insert", "bytes", "nest", "bom", "huge"]))
    if kind == "truncate":
        return text[:cut]
    if kind == "insert":
        return text[:cut] + draw(st.sampled_from([b"\xff", b"\xc3", b"\x00", b"{", b"]", b"\"", b",", b"\\ud800",
                                                  b"\t", b"&a *a", b"!!python/object:os.system"])) + text[cut:]
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "nest":
        depth = draw(st.sampled_from([50, 1_100]))  # beyond Python's recursion limit; deeper only costs time
        return b"[" * depth + b"]" * depth
    if kind == "bom":
        return b"\xef\xbb\xbf" + text
    return text[:cut] + b"9" * 5_000 + text[cut:]


# seeds --------------------------------------------------------------------------------


class Quiet(dict[str, Any]):
    """A fixture's data with a short repr, so a failing example prints readably."""

    def __repr__(self) -> str:
        return f"<{len(self)} entries>"


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Real saved snapshots (the scenario fixtures through ``snapshot.save``), as parsed
    JSON, by fixture name."""
    directory = tmp_path_factory.mktemp("seeds")
    found = {}
    for path in sorted(FIXTURES.glob("*.json")):
        saved = directory / path.name
        snapshot.save(load_scenario(path).snapshot, saved)
        found[path.stem] = json.loads(saved.read_text())
    return Quiet(found)


@pytest.fixture
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def fresh(directory: Path, files: dict[str, bytes]) -> dict[str, bytes]:
    """Empty ``directory``, then write ``files``; returns them as ``files_in`` will."""
    shutil.rmtree(directory)
    directory.mkdir()
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return files_in(directory)


PRIOR_REPORT = b'{"left": "as it was"}\n'  # an output file that exists before the run


# (a) snapshots ------------------------------------------------------------------------


def snapshot_case(workdir: Path, data: bytes) -> tuple[Run, dict[str, bytes], Path]:
    before = fresh(workdir, {"snap.json": data, "out.json": PRIOR_REPORT})
    out = workdir / "out.json"
    run = run_cli(["scan", "--snapshot", str(workdir / "snap.json"), "-o", f"json={out}", "-o", "table",
                   "--show-passed", "--fail-on", "medium"])
    return run, before, out


@settings(FUZZ, max_examples=220)
@given(data=st.data())
def test_mutated_snapshots(seeds: dict[str, Any], workdir: Path, data: st.DataObject) -> None:
    seed = data.draw(st.sampled_from(sorted(seeds)), label="seed")
    doc, touched = data.draw(mutated(seeds[seed], max_mutations=data.draw(st.sampled_from([1, 1, 3]))))
    run, before, out = snapshot_case(workdir, dump(doc))
    line = assert_outcome(run, workdir, before, out, str(workdir / "snap.json"))
    if line is not None and len(touched) == 1:
        # one change to a valid snapshot: the error names where it is (its top-level key, or
        # the record type under resources)
        path = touched[0]
        named = "top level" if not path or not isinstance(path[0], str) else path[0]
        if path[:1] == ("resources",) and len(path) >= 3 and isinstance(path[2], int):
            named = dotted(path[:3])  # the record: resources.aws.s3.bucket[2]
        assert named in line, (dotted(path), line)


@settings(FUZZ, max_examples=60)
@given(data=st.data())
def test_broken_snapshot_files(seeds: dict[str, Any], workdir: Path, data: st.DataObject) -> None:
    seed = data.draw(st.sampled_from(sorted(seeds)), label="seed")
    raw = data.draw(broken_bytes(dump(seeds[seed])))
    run, before, out = snapshot_case(workdir, raw)
    assert_outcome(run, workdir, before, out, str(workdir / "snap.json"))


# (b) mute files -----------------------------------------------------------------------

MUTE_SEED = """\
# accepted risks
mutes:
  - check: aws_s3_bucket_*
    resource: "arn:aws:s3:::*"
    reason: reviewed by security (SEC-142)
    expires: 2099-06-30
  - account: "111122223333"
    region: "us-*"
    tags: {env: sandbox, team: "data*"}
    reason: sandbox account, no customer data
  - check: azure_*
    reason: tracked elsewhere
    expires: 2020-01-01
"""
MUTE_SNAPSHOT = "aws_s3_bucket_settings"


def mute_case(seeds: dict[str, Any], workdir: Path, data: bytes) -> tuple[Run, dict[str, bytes], Path]:
    before = fresh(workdir, {"snap.json": dump(seeds[MUTE_SNAPSHOT]), "mutes.yaml": data, "out.json": PRIOR_REPORT})
    out = workdir / "out.json"
    run = run_cli(["scan", "--snapshot", str(workdir / "snap.json"), "--mute", str(workdir / "mutes.yaml"),
                   "-o", f"json={out}", "-o", "table", "--fail-on", "low"])
    return run, before, out


yaml_keys = st.sampled_from(["check", "account", "region", "resource", "tags", "reason", "expires", "mutes",
                             "", "Reason", "?", "<<"])


@st.composite
def mute_documents(draw: st.DrawFn) -> bytes:
    """The seed parsed, mutated as data and written back as YAML in a random style."""
    doc, _ = draw(mutated(yaml.load(MUTE_SEED, Loader=yaml.BaseLoader)))  # every scalar a string
    if isinstance(doc, dict) and draw(st.booleans()):
        doc[draw(yaml_keys)] = draw(junk)
    style = draw(st.sampled_from([None, '"', "'", "|"]))
    try:
        text = yaml.safe_dump(doc, default_style=style, allow_unicode=draw(st.booleans()),
                              default_flow_style=draw(st.booleans()))
    except yaml.YAMLError:  # a value YAML cannot represent: keep the seed, spliced
        text = MUTE_SEED
    return text.encode("utf-8", "surrogatepass")


@st.composite
def mute_texts(draw: st.DrawFn) -> bytes:
    """The seed's text edited line by line: YAML syntax characters, tabs, anchors and
    aliases, tags, odd characters."""
    lines = MUTE_SEED.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["drop", "insert", "indent", "replace"]))
        piece = draw(st.sampled_from([
            "\t", ":", "- ", "&a", "*a", "!!python/object/apply:os.system [ls]", "!!binary", "[", "{", "'", '"',
            "%YAML 1.1", "---", "...", "? ", "|", ">", "#", "\x00", "\x1b[31m", "\u202e", "\\ud800",
            "expires: 2025-02-30", "expires: 12:30", "reason:", "reason: ''", "tags: {}", "tags: [a]", "check: [a, b]",
            "mutes: *b", "unknown: 1", "reason: x\n    reason: y", "  - *a", "<<: *a",
        ]) | st.text(max_size=12))
        if edit == "drop":
            lines.pop(index)
        elif edit == "insert":
            lines.insert(index, piece)
        elif edit == "indent":
            lines[index] = piece[:1] + lines[index]
        else:
            cut = draw(st.integers(0, len(lines[index])))
            lines[index] = lines[index][:cut] + piece + lines[index][cut:]
        if not lines:
            lines = [""]
    return "\n".join(lines).encode("utf-8", "surrogatepass")


@settings(FUZZ, max_examples=220)
@given(text=st.one_of(mute_documents(), mute_texts(), broken_bytes(MUTE_SEED.encode())))
def test_mutated_mute_files(seeds: dict[str, Any], workdir: Path, text: bytes) -> None:
    run, before, out = mute_case(seeds, workdir, text)
    line = assert_outcome(run, workdir, before, out, str(workdir / "mutes.yaml"))
    if line is not None and _utf8(text):
        assert re.search(re.escape(str(workdir / "mutes.yaml")) + r":\d+: ", line), line  # the line in the file


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# (c) baseline reports, for --baseline and for skyscan diff ------------------------------

BASELINE_SNAPSHOT = "aws_s3_public_access_open_account"


@pytest.fixture(scope="module")
def baseline_report(seeds: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A real JSON report of the seed snapshot."""
    directory = tmp_path_factory.mktemp("baseline")
    (directory / "snap.json").write_bytes(dump(seeds[BASELINE_SNAPSHOT]))
    run = run_cli(["scan", "--snapshot", str(directory / "snap.json"), "-o", f"json={directory / 'r.json'}"])
    assert run.code in VALID_EXITS, run
    return Quiet(json.loads((directory / "r.json").read_text()))


def report_named(line: str | None, touched: list[Path_]) -> None:
    if line is not None and len(touched) == 1:
        path = touched[0]
        named = "top level" if not path or not isinstance(path[0], str) else path[0]
        assert named in line, (dotted(path), line)
        if path[:1] == ("findings",) and len(path) >= 2:  # the finding, by index
            assert "findings[" in line, line


@settings(FUZZ, max_examples=140)
@given(data=st.data())
def test_mutated_baselines(seeds: dict[str, Any], baseline_report: Any, workdir: Path, data: st.DataObject) -> None:
    doc, touched = data.draw(mutated(baseline_report, max_mutations=data.draw(st.sampled_from([1, 1, 3]))))
    raw = dump(doc) if data.draw(st.integers(0, 5)) else data.draw(broken_bytes(dump(baseline_report)))
    before = fresh(workdir, {"snap.json": dump(seeds[BASELINE_SNAPSHOT]), "base.json": raw, "out.json": PRIOR_REPORT})
    # the nightly pattern: the baseline is also this run's output, read before it is replaced
    out = workdir / data.draw(st.sampled_from(["out.json", "base.json"]), label="output")
    run = run_cli(["scan", "--snapshot", str(workdir / "snap.json"), "--baseline", str(workdir / "base.json"),
                   "--new-only", "--fail-on", "high", "-o", f"json={out}", "-o", "table"])
    report_named(assert_outcome(run, workdir, before, out, str(workdir / "base.json")),
                 touched if raw == dump(doc) else [])


@settings(FUZZ, max_examples=140)
@given(data=st.data())
def test_mutated_reports_for_diff(baseline_report: Any, workdir: Path, data: st.DataObject) -> None:
    doc, touched = data.draw(mutated(baseline_report, max_mutations=data.draw(st.sampled_from([1, 1, 3]))))
    raw = dump(doc) if data.draw(st.integers(0, 5)) else data.draw(broken_bytes(dump(baseline_report)))
    before = fresh(workdir, {"old.json": dump(baseline_report), "new.json": raw, "d.json": PRIOR_REPORT,
                             "d.md": PRIOR_REPORT})
    old, new = workdir / "old.json", workdir / "new.json"
    order = [str(old), str(new)] if data.draw(st.booleans()) else [str(new), str(old)]
    run = run_cli(["diff", *order, "-o", f"json={workdir / 'd.json'}", "-o", f"markdown={workdir / 'd.md'}",
                   "-o", "table", "--fail-on", "low"])
    assert run.code in (0, 1, USAGE), run
    if run.code == USAGE:
        line = assert_usage_error(run, str(new))
        assert files_in(workdir) == before
        report_named(line, touched if raw == dump(doc) else [])
    else:
        json.loads((workdir / "d.json").read_text(encoding="utf-8"))


# (d) command lines --------------------------------------------------------------------


def option_strings() -> dict[str, list[str]]:
    """Every subcommand's flags, read from the parser itself (new flags join in)."""
    parser = build_parser()
    found: dict[str, list[str]] = {}

    def walk(p: Any, prefix: str) -> None:
        for action in p._actions:
            if action.choices and isinstance(action.choices, dict):  # a subparsers action
                for name, sub in action.choices.items():
                    walk(sub, f"{prefix} {name}".strip())
            else:
                found.setdefault(prefix, []).extend(action.option_strings)

    walk(parser, "")
    return found


FLAGS = option_strings()
COMMANDS = [c.split() for c in FLAGS if c] + [
    [], ["scan", "aws"], ["scan", "azure"], ["collect", "azure"], ["nonsense"], ["scan", "gcp"],
    # mostly well-formed starts, so the flags after them reach the later checks
    *[["scan", "--snapshot", "snap.json"]] * 6, ["scan", "--snapshot", "snap.json", "--mute", "mutes.yaml"],
    ["scan", "--snapshot", "snap.json", "--baseline", "base.json"], ["diff", "base.json", "base.json"],
    ["scan", "aws", "--endpoint-url", "http://127.0.0.1:9"], ["scan", "azure", "--azure-auth", "client-secret"],
    # flags whose values are parsed after the command line, in the provider's setup
    *[["scan", "azure", flag] for flag in ("--blob-endpoint", "--arm-endpoint", "--ca-bundle", "--tenant")],
    *[["scan", "aws", flag] for flag in ("--role-arn", "--org-role", "--accounts", "--external-id")],
]
GOOD_VALUES = [
    "snap.json", "mutes.yaml", "base.json", "json=out.json", "table", "sarif=o.sarif", "csv=o.csv", "junit=o.xml",
    "markdown=o.md", "json", "markdown", "aws_s3_*", "aws_s3_bucket_versioning", "s3,iam", "storage", "high", "low",
    "cis-aws-4.0.1", "public-access", "123456789012", "111122223333,444455556666",
    "0000aaaa-0000-0000-0000-000000000001",
    "arn:aws:iam::123456789012:role/Audit", "Audit", "audit/Audit", "https://127.0.0.1:9", "eu-west-1,us-east-1",
    "http://127.0.0.1:9/devstoreaccount1", "client-secret", "usgov", "aws", "azure", "all", "4", "skyscan-session",
]
ODD_VALUES = [
    "", "-", "--", "=", "json=", "json=-", "table=", "=out.json", "JSON=OUT.JSON", "json=missing/dir/x.json", "json=.",
    "a\nb", "\x1b[31mred\x1b[0m", "\u202eevil", "é", "x" * 5000, " ", ",", ",,", "0", "-1", "1e3",
    "99999999999999999999", "NaN", "*", "[", "?", "--snapshot", "-o", "bad\udcffbyte", "\t", "s3,,iam,", "out.json",
    "https://u:p@127.0.0.1:9/?sig=x", "http://[::1", "ftp://x",
]
values = st.sampled_from(GOOD_VALUES) | st.sampled_from(ODD_VALUES) | st.text(
    st.characters(blacklist_characters="/\\\x00", blacklist_categories=("Cs",)), max_size=12)


# endpoint URLs: schemes, hosts, ports, user info, paths and queries, each possibly broken
urls = st.builds(
    "".join,
    st.tuples(
        st.sampled_from(["https://", "http://", "ftp://", "", "//", "HTTPS://", "https:/", "tcp://"]),
        st.sampled_from(["u:p@", "", "@"]),
        st.sampled_from(["127.0.0.1", "[::1", "[::1]", "localhost", "", "h\nx", "xn--bcher-kva.example"]),
        st.sampled_from(["", ":9", ":99999", ":-1", ":x", ":"]),
        st.sampled_from(["", "/", "/devstoreaccount1", "/a/b/", "/%zz"]),
        st.sampled_from(["", "?sv=1&sig=x", "?", "#frag"]),
    ),
)
URL_FLAGS = ("--blob-endpoint", "--arm-endpoint", "--endpoint-url", "--scheduler")


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(COMMANDS))
    flags = FLAGS.get(" ".join(command), []) or FLAGS[""]
    argv = list(command)
    if argv and argv[-1].startswith("-"):  # the command ends with a flag: give it its value
        argv.append(draw(urls if argv[-1] in URL_FLAGS else values))
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["flag", "flag", "flag+value", "flag=value", "value", "unknown"]))
        if kind == "value":
            argv.append(draw(values))
        elif kind == "unknown":
            argv.append(draw(st.sampled_from(["--nope", "-x", "--snap", "--o", "-oo", "---", "--checks=", "--a\nb",
                                              "--\x1b[2Jx", "stray\r\nline", "\u202e--x"])))
        else:
            flag = draw(st.sampled_from(flags or ["--help"]))
            if kind == "flag=value" and flag.startswith("--"):
                argv.append(f"{flag}={draw(urls if flag in URL_FLAGS else values)}")
            else:
                argv.append(flag)
                if kind == "flag+value":
                    argv.append(draw(urls if flag in URL_FLAGS else values))
    return argv


@pytest.fixture
def no_cloud(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where a live scan or the demo would make its first cloud call, stop: the command
    line was accepted. Everything before it (flag checks, files, outputs) runs for real."""
    from scanner import demo
    from scanner.collect.aws.context import AwsContext
    from scanner.collect.azure import context, identity
    from scanner.executors import dask_cluster

    def stop(*args: Any, **kwargs: Any) -> Any:
        raise WouldCallCloud

    monkeypatch.setattr(AwsContext, "open", classmethod(stop))
    monkeypatch.setattr(context, "open_contexts", stop)
    monkeypatch.setattr(identity, "build_credential", lambda settings: object())
    monkeypatch.setattr(dask_cluster, "collect", stop)  # --executor dask would reach for a scheduler
    monkeypatch.setattr(demo, "run", stop)


# what may name the offending input in an argparse or skyscan usage error
NAMING = re.compile(r"(?:^|[\s'\"(])(?:-{1,2}[a-z]|argument |arguments |invalid choice|unrecognized|"
                    r"[A-Z_]+_[A-Z]+|provider|snapshot|check id|[^\s:]+\.(?:json|yaml|md|xml|sarif|csv)\b)")


@settings(FUZZ, max_examples=320)
@given(argv=command_lines())
def test_random_command_lines(seeds: dict[str, Any], baseline_report: Any, workdir: Path, no_cloud: None,
                              argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    before = fresh(workdir, {"snap.json": dump(seeds[MUTE_SNAPSHOT]), "mutes.yaml": MUTE_SEED.encode(),
                             "base.json": json.dumps(baseline_report).encode(), "out.json": PRIOR_REPORT})
    monkeypatch.chdir(workdir)
    run = run_cli(argv)
    assert run.code in (*VALID_EXITS, USAGE, "live"), (argv, run)
    assert "Traceback" not in run.err, (argv, run.err)
    if run.code in (USAGE, "live"):
        assert files_in(workdir) == before, argv  # a refused command line writes nothing
    if run.code == USAGE:
        line = assert_usage_error(run)
        assert NAMING.search(line), (argv, line)
