"""The shape of the code a newcomer reads (issue 15, items 7 and 9): no function in the apps is
longer than about a screen without a reason written next to it, and the import graph runs one way.

A function may run over LIMIT lines (its docstring included) only when the comment line right
above it (above its decorators) starts with "# Long:" and says why, e.g. a table of rows that
reads best in one piece.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "accounts",
    "clients",
    "calendars",
    "processes",
    "agents",
    "quality",
    "work",
    "reporting",
    "recompute",
    "sla",
    "workforce",
    "dashboards",
    "demo",
)
PACKAGES = (*APPS, "bpo_portal")
LIMIT = 60
REASON = "# Long:"


def _functions(path: Path):
    lines = path.read_text().splitlines()
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            above = lines[first - 2].strip() if first >= 2 else ""
            yield node, node.end_lineno - node.lineno + 1, above


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def long_functions() -> list[str]:
    """`path:line name (n lines)` of every function over LIMIT lines without a reason above it."""
    found = []
    for path in _sources():
        for node, length, above in _functions(path):
            if length > LIMIT and not above.startswith(REASON):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_function_is_longer_than_a_screen_without_a_reason():
    assert long_functions() == []


def test_the_check_finds_a_long_function_and_accepts_a_reason(tmp_path):
    body = "".join(f"    x{n} = {n}\n" for n in range(LIMIT))
    path = tmp_path / "module.py"
    path.write_text(
        f"def long():\n{body}\n\n# Long: a table that reads best in one piece\n@staticmethod\ndef kept():\n{body}"
    )
    reported = {node.name: (length, above) for node, length, above in _functions(path)}
    assert reported["long"][0] == LIMIT + 1 and not reported["long"][1].startswith(REASON)
    assert reported["kept"][1].startswith(REASON)


def test_no_app_imports_one_above_it():
    """The import-graph contracts of .importlinter (layers, platform, access), run as `make test`
    runs them; a listed exception would show as an `ignore_imports` line, and there are none."""
    config = (ROOT / ".importlinter").read_text()
    assert "ignore_imports" not in config
    linter = Path(sys.executable).with_name("lint-imports")
    if not linter.exists():
        pytest.fail("lint-imports is not installed (requirements-dev.txt pins import-linter)")
    done = subprocess.run(
        [str(linter), "--config", str(ROOT / ".importlinter")], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
