"""The import rules the README's architecture section promises, checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECK_MAY_IMPORT = ("scanner.model", "scanner.snapshot", "scanner.resources", "checks")


def imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def own(name: str) -> bool:
    return name.split(".")[0] in ("scanner", "checks")


@pytest.mark.parametrize("path", sorted((ROOT / "checks").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_checks_import_only_the_model_snapshot_resources_and_their_helpers(path: Path) -> None:
    bad = [m for m in imports(path) if own(m) and not m.startswith(CHECK_MAY_IMPORT)]
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_the_engine_never_imports_a_check_module() -> None:
    bad = {
        str(path.relative_to(ROOT)): [m for m in imports(path) if m == "checks" or m.startswith("checks.")]
        for path in (ROOT / "scanner").rglob("*.py")
    }
    assert {k: v for k, v in bad.items() if v} == {}


def test_records_snapshot_and_model_import_no_collector_or_report() -> None:
    engine = ROOT / "scanner"
    lower = [engine / "model.py", engine / "snapshot.py", *(engine / "resources").glob("*.py")]
    for path in lower:
        bad = [m for m in imports(path) if m.startswith(("scanner.collect", "scanner.report", "scanner.runner",
                                                         "scanner.commands", "scanner.cli"))]
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"
