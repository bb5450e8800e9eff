"""The close on three worker hosts, each Celery worker in its own network namespace, one killed
and one cut off from the network mid-close: the books equal a single-process close of the same
portfolio, account by account and loan by loan (scripts/cluster.py does the work and the
comparison; this runs it as an operator would)."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "cluster.py"


def _cluster_module():
    spec = importlib.util.spec_from_file_location("cluster_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _refused() -> str | None:
    return _cluster_module().namespaces_possible()


@pytest.mark.slow
def test_three_namespaced_workers_one_killed_one_cut_off_book_what_one_process_books(tmp_path):
    why = _refused()
    if why:
        pytest.skip(f"network namespaces unavailable here: {why}")
    database = f"{os.environ.get('DATABASE_URL', '').rsplit('/', 1)[-1] or 'il'}_cluster_test"
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--workers=3",
            "--loans=3000",
            "--chunk-size=600",  # chunks long enough that the faults land mid-chunk
            "--kill=1",
            "--cut=2",
            "--lease=5",
            # the hosts wait 3 s inside each accrual chunk (so each takes one at a time) and the
            # faults wait for their host to hold one: both land mid-chunk, whatever the speed
            "--hold=accrual:3",
            "--compare",
            f"--database={database}",
            f"--logs={tmp_path}",
            "--timeout=240",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["status"] == "done"
    assert figures["differences"] == {}
    workers = figures["per_worker"]
    # Each host hit while it held a chunk had its lease expire and the chunk taken over;
    # nothing stays leased.
    assert workers["1"]["expired"] >= 1 and workers["2"]["expired"] >= 1
    assert sum(w["chunks_done"] for w in workers.values()) == figures["chunks"]  # each once
    assert all(w["left_held"] == 0 for w in workers.values())
    assert [fault["action"] for fault in figures["faults"]] == ["kill", "cut"]
