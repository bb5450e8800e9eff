"""The receiver `make run` starts (scripts/webhook_receiver.py, a real process on a port the OS hands out) and
the demo subscription (`manage.py webhook_demo`): events arrive in the file as the dispatcher
sends them, byte for byte the pull stream's envelopes; a request not signed with the secret is
refused and not written; a rotated secret is picked up without a restart."""

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from events.dispatch import dispatch_once, envelope
from events.models import Event, Subscription
from events.services import events_record_many
from events.signing import HEADER, signature_header

from .test_delivery import free_port, wait_for_port

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ROOT = Path(__file__).resolve().parents[2]
PORT = free_port()


@pytest.fixture
def demo(tmp_path):
    secret_file, out = tmp_path / "secret", tmp_path / "webhooks.jsonl"
    call_command(
        "webhook_demo", "--url", f"http://127.0.0.1:{PORT}/events", "--secret-file", secret_file
    )
    receiver = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts/webhook_receiver.py"), "--port", str(PORT)]
        + ["--secret-file", str(secret_file), "--out", str(out)],
        stdout=subprocess.DEVNULL,
    )
    wait_for_port(PORT)
    yield secret_file, out
    receiver.kill()
    receiver.wait()


def post(body: bytes, signature: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/events", data=body, headers={HEADER: signature}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_demo_receiver_writes_every_event_and_refuses_a_bad_signature(demo):
    secret_file, out = demo
    with transaction.atomic():
        events_record_many(
            type="loan.non_accrual",
            rows=[
                (f"loan/{n % 3}", {"loan_id": n % 3, "days_past_due": n}, None) for n in range(9)
            ],
            business_date=date(2026, 3, 2),
        )
    while dispatch_once(timeout=2):
        pass
    received = [json.loads(line) for line in out.read_text().splitlines()]
    expected = [
        json.loads(json.dumps(envelope(e))) for e in Event.objects.order_by("subject", "sequence")
    ]
    assert sorted(received, key=lambda e: (e["subject"], e["sequence"])) == expected

    forged = signature_header(body=b'{"forged": true}', secrets=["whsec_not_the_secret"])
    assert post(b'{"forged": true}', forged) == 400
    assert len(out.read_text().splitlines()) == 9

    # a rotation: the file holds both secrets, the receiver reads it again within a second
    call_command(
        "webhook_demo",
        "--url",
        f"http://127.0.0.1:{PORT}/events",
        "--secret-file",
        secret_file,
        "--rotate",
    )
    subscription = Subscription.objects.get(name="demo-receiver")
    assert secret_file.read_text().split() == [
        subscription.secret,
        subscription.previous_secret,
    ]
    time.sleep(1.2)
    body = b'{"rotated": true}'
    assert post(body, signature_header(body=body, secrets=[subscription.secret])) == 204
    assert json.loads(out.read_text().splitlines()[-1]) == {"rotated": True}
