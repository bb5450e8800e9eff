"""`make run`'s database is SQLite: a short demo history (set-up, a simulation crossing two month
ends, its summary) runs there end to end, so a PostgreSQL-only query in the close or the reports
breaks this test instead of a newcomer's first command."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_short_demo_history_runs_on_sqlite(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "REPORTS_ROOT": str(tmp_path / "reports"),
    }

    def manage(*args: str) -> tuple[str, str]:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-4000:]
        return done.stdout, done.stderr

    manage("migrate", "--noinput")
    manage("demo_setup", "--history-days", "40")
    summary, log = manage("simulate", "--loans", "8", "--days", "40", "--seed", "2", "--if-empty")
    assert "report" in summary.lower(), summary[-2000:]
    # every report of every day was produced (a failed one is logged and retried, not fatal)
    assert "not produced" not in log and "Traceback" not in log, log[-4000:]
    # The simulation co-lends on SQLite too: partners hold shares of disbursed loans, were
    # settled every day, and each funder's books (split in Python there) reconcile.
    counts, _ = manage(
        "shell",
        "-c",
        "from funding.models import LoanFunding, SettlementRun;"
        "print(LoanFunding.objects.exclude(funder__kind='platform')"
        ".filter(loan__disbursed_on__isnull=False).count(), SettlementRun.objects.count())",
    )
    co_lent, settlements = map(int, counts.strip().splitlines()[-1].split())
    assert co_lent > 0 and settlements > 0, counts
    for funder in ("demo-bank", "demo-trust", "platform"):
        balance, _ = manage("trial_balance", "--funder", funder)
        assert "Traceback" not in balance
        reconciled, _ = manage("reconcile", "--funder", funder)
        assert f"Reconciled: funder {funder}." in reconciled, reconciled[-2000:]
