"""Issue 25 item 7: commands' progress is a live bar with an ETA on a terminal and plain lines
in a log or a pipe; a reader that goes away (`report … | head`) ends a command quietly."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from core.progress import command_progress
from tests.eod.helpers import make_loan

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_close_progress_in_a_log_is_plain_lines():
    make_loan()
    out = StringIO()
    call_command("close_day", stdout=out)
    text = out.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    assert any(line.strip().startswith("Close 100%") for line in lines)
    assert max(len(line) for line in lines) < 200


def _drain(leader: int) -> str:
    """Everything written to the terminal: a pty hands it over in pieces, and reads past the
    end once the writer has closed its side (EIO on Linux)."""
    chunks = []
    try:
        while chunk := os.read(leader, 65536):
            chunks.append(chunk)
    except OSError:
        pass
    os.close(leader)
    return b"".join(chunks).decode()


def test_a_terminal_gets_a_live_bar_with_an_eta():
    leader, follower = os.openpty()
    with os.fdopen(follower, "w") as terminal:
        with command_progress(terminal, total=4, label="Simulating") as update:
            for done in range(1, 5):
                update(done, f"day {done}")
    shown = _drain(leader)
    assert "Simulating" in shown and "ETA" in shown and "100%" in shown


def test_a_log_gets_a_line_per_tenth_and_per_phase():
    log = StringIO()
    with command_progress(log, total=100, label="Simulating") as update:
        for done in range(1, 101):
            update(done, f"day {done}")
    lines = log.getvalue().splitlines()
    assert len(lines) == 11  # the first day, then every tenth
    assert lines[0].strip() == "Simulating 1% day 1"
    assert lines[-1].strip() == "Simulating 100% day 100"
    assert "\r" not in log.getvalue()


def test_a_reader_that_goes_away_ends_the_command_quietly():
    command = ["apr", "--advance", "10000.00", "--start-date", "2026-01-15"]
    command += ["--payments", "12@900.00", "--first-payment-date", "2026-02-15"]
    process = subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()  # like `| head` exiting before the command writes
    stderr = process.stderr.read().decode()
    process.wait(timeout=60)
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
