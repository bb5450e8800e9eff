"""The arrows of the house point one way (issue 13): the import-linter contracts in
pyproject.toml hold, and the graph has no upward arrow and no import circle."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_no_arrow_runs_up_and_no_module_imports_itself_round_a_circle():
    result = subprocess.run(
        [sys.executable, "scripts/import_graph.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["upward_arrows"] == [] and figures["circle_modules"] == []
