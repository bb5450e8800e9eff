"""The local gateway (scripts/local_gateway.py) as a real process, and our callback endpoint
served over real HTTP (pytest-django's live server) for it to call."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from payments.gateways import gateways_forget
from tests.api.conftest import (  # noqa: F401 - the API tests' fixtures, shared here
    _fresh_throttle_counts,
    borrower_user,
    client,
    loan,
    other_loan,
    today,
)

ROOT = Path(__file__).resolve().parents[2]
SECRET = "gwsec_test_secret"


class LocalGateway:
    def __init__(self, process: subprocess.Popen, url: str):
        self.process, self.url = process, url

    def control(self, **behaviour) -> dict:
        request = urllib.request.Request(
            f"{self.url}/control", data=json.dumps(behaviour).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def delivered(self) -> dict:
        """Callbacks our endpoint accepted, and the reports they carried."""
        with urllib.request.urlopen(f"{self.url}/health", timeout=5) as response:
            return json.loads(response.read())["delivered"]


def gateway_start(*args: str) -> LocalGateway:
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts/local_gateway.py"), "--port", "0"]
        + ["--secret", SECRET, "--seed", "7", *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()  # "local gateway on http://127.0.0.1:PORT/"
    return LocalGateway(process, line.split(" on ", 1)[1].strip().rstrip("/"))


@pytest.fixture(scope="module")
def local_gateway():
    gateway = gateway_start()
    yield gateway
    gateway.process.kill()
    gateway.process.wait()


DEFAULTS = {
    "latency_ms": 0,
    "callback_delay_ms": 20,
    "failure_rate": 0,
    "duplicate_rate": 0,
    "lost_rate": 0,
    "early_callback_rate": 0,
    "stale_failure_rate": 0,
    "late_success_rate": 0,
    "late_success_delay_ms": 200,
    "callback_batch": 1,
    "balances": {},
}


@pytest.fixture
def rails(local_gateway, live_server, settings):
    """Orders go to the local gateway, which calls back our live server."""
    settings.PAYMENTS_GATEWAY = "local"
    settings.PAYMENTS_GATEWAY_URL = local_gateway.url
    settings.PAYMENTS_GATEWAY_SECRET = SECRET
    settings.PAYMENTS_CALLBACK_URL = f"{live_server.url}/api/v1/payments/callbacks/local"
    settings.PAYMENTS_GATEWAY_TIMEOUT = 2.0
    gateways_forget()
    local_gateway.control(**DEFAULTS)
    yield local_gateway
    gateways_forget()


def until(condition, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("the condition did not hold in time")
