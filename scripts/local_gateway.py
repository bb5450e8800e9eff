"""A local payment gateway: accepts collect and payout orders, settles them, calls back.

    python scripts/local_gateway.py --port 8002 --callback-delay-ms 50 --failure-rate 0.1

Standard library only (HTTP/1.1, threads). Requests and callbacks are signed the way the
ledger's webhooks are (`events/signing.py`): header ``Gateway-Signature: t=<unix>,v1=<hex>``,
HMAC-SHA256 with the shared secret over ``"<t>." + body``; an unsigned or stale request is
answered 401.

- ``POST /orders`` ``{"reference", "direction", "amount", "currency", "account", "partial",
  "callback_url"}``: idempotent on ``reference`` (a repeat answers the order as it stands).
  Answers ``{"reference", "gateway_id", "status": "pending", …}`` after ``--latency-ms``.
- ``GET /health``: ``{"ok": true, "delivered": {"callbacks": n, "reports": m}}``, the callbacks
  our endpoint accepted (below 500) and the reports they carried.
- ``GET /orders/<reference>``: the order's status (``pending``, ``succeeded``, ``failed``,
  ``returned``) and ``amount_settled``; 404 if it never arrived.
- ``POST /orders/<reference>/return``: a chargeback / return of a settled order (calls back).
- ``POST /control``: change the behaviour below at run time (JSON of the same names), and
  ``"balances": {"account": "amount"}`` (an account holding less than asked fails, or with
  ``partial`` settles what it holds).

Behaviour (flags, and ``/control``): ``latency_ms`` before answering a submit;
``callback_delay_ms`` before the callback; ``failure_rate``; ``duplicate_rate`` (the callback
sent twice); ``lost_rate`` (no callback: only a status query finds the result);
``early_callback_rate`` (the callback is delivered before the submit is answered);
``stale_failure_rate`` (after a success, a stale "failed" callback arrives too);
``late_success_rate`` (the order is reported failed, then ``late_success_delay_ms`` later it
succeeds after all — the money moved — and a success callback follows; a status query answers
the latest); ``callback_batch``: at most this many reports in one callback (default 1: one
report, the body is the report itself; above 1 the reports due by then go together as
``{"reports": [...]}``, as a bank's batch result notice does); ``callback_batch_window_ms``: how
long a batch waits for more reports to fall due (default 0: only those due already). A sender
thread gathers its own batch: with several senders a batch holds at most what one of them took.
"""

from __future__ import annotations

import argparse
import http.client
import json
import queue
import random
import socket
import sys
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

from events.signing import SignatureError, signature_header, signature_verify  # noqa: E402

HEADER = "Gateway-Signature"
BEHAVIOUR = {
    "latency_ms": 0.0,
    "callback_delay_ms": 20.0,
    "failure_rate": 0.0,
    "duplicate_rate": 0.0,
    "lost_rate": 0.0,
    "early_callback_rate": 0.0,
    "stale_failure_rate": 0.0,
    "late_success_rate": 0.0,
    "late_success_delay_ms": 200.0,
    "callback_batch": 1,
    "callback_batch_window_ms": 0.0,
}
SENDERS = 8
"""Threads sending callbacks (each keeps its connections alive): how many callbacks are in
flight at once."""


class NoDelayConnection(http.client.HTTPConnection):
    """A callback's headers and body go out in two writes: no Nagle delay between them."""

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Gateway:
    def __init__(self, secret: str, behaviour: dict, seed: int | None, senders: int = SENDERS):
        self.secret = secret
        self.behaviour = dict(behaviour)
        self.balances: dict[str, Decimal] = {}
        self.orders: dict[str, dict] = {}
        self.lock = threading.Lock()
        self.random = random.Random(seed)
        self.outbox: queue.Queue = queue.Queue()
        self.sequence = 0
        self.sent = {"callbacks": 0, "reports": 0}
        for _ in range(senders):
            threading.Thread(target=self._send_forever, daemon=True).start()

    def chance(self, name: str) -> bool:
        with self.lock:
            return self.random.random() < float(self.behaviour[name])

    # Orders -------------------------------------------------------------------------------

    def submit(self, request: dict) -> tuple[dict, bool]:
        """The order (new or as it stands) and whether it is new."""
        with self.lock:
            existing = self.orders.get(request["reference"])
            if existing is not None:
                return dict(existing), False
            self.sequence += 1
            order = {
                "reference": request["reference"],
                "gateway_id": f"GW{self.sequence:010d}",
                "direction": request.get("direction", "collect"),
                "amount": request["amount"],
                "currency": request.get("currency", "CNY"),
                "account": request.get("account", ""),
                "partial": bool(request.get("partial")),
                "callback_url": request.get("callback_url", ""),
                "status": "pending",
                "amount_settled": None,
                "reason": "",
            }
            self.orders[order["reference"]] = order
            return dict(order), True

    def settle(self, reference: str) -> dict:
        """Decide the order's outcome (once) and return it."""
        failing = self.chance("failure_rate")
        late = self.chance("late_success_rate")
        with self.lock:
            order = self.orders[reference]
            if order["status"] != "pending":
                return dict(order)
            amount = Decimal(order["amount"])
            held = self.balances.get(order["account"]) if order["account"] else None
            if late:
                order.update(status="failed", reason="timed out at the bank", late_success=True)
            elif failing:
                order.update(status="failed", reason="declined by the bank")
            elif held is not None and held < amount and not (order["partial"] and held > 0):
                order.update(status="failed", reason="insufficient funds")
            else:
                settled = amount if held is None else min(amount, held)
                if held is not None:
                    self.balances[order["account"]] = held - settled
                order.update(status="succeeded", amount_settled=f"{settled:.2f}")
            return dict(order)

    def succeed_late(self, reference: str) -> dict:
        """The bank moved the money after all (a failure was reported first)."""
        with self.lock:
            order = self.orders[reference]
            if order.pop("late_success", False) and order["status"] == "failed":
                order.update(status="succeeded", amount_settled=order["amount"], reason="")
            return dict(order)

    def give_back(self, reference: str) -> dict | None:
        with self.lock:
            order = self.orders.get(reference)
            if order is None or order["status"] != "succeeded":
                return None
            order.update(status="returned", reason="chargeback")
            return dict(order)

    # Callbacks ----------------------------------------------------------------------------

    def callbacks_for(self, order: dict) -> list[dict]:
        """What to send about a settled order, by the behaviour (lost, duplicated, stale)."""
        if self.chance("lost_rate"):
            return []
        report = {k: order[k] for k in ("reference", "gateway_id", "status", "amount_settled")}
        report["reason"] = order["reason"]
        sent = [report]
        if self.chance("duplicate_rate"):
            sent.append(report)
        if order["status"] == "succeeded" and self.chance("stale_failure_rate"):
            sent.append({**report, "status": "failed", "reason": "stale: an earlier attempt"})
        return sent

    def later(self, order: dict) -> None:
        delay = float(self.behaviour["callback_delay_ms"]) / 1000
        self.outbox.put((time.monotonic() + delay, order["reference"], self.settle))

    def _send_forever(self) -> None:
        connections: dict[tuple[str, int], http.client.HTTPConnection] = {}
        waiting = None
        while True:
            not_before, reference, outcome = waiting or self.outbox.get()
            waiting = None
            wait = not_before - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            due = [(reference, outcome)]
            gather_until = (
                time.monotonic() + float(self.behaviour["callback_batch_window_ms"]) / 1000
            )
            while len(due) < int(self.behaviour["callback_batch"]):
                remaining = gather_until - time.monotonic()
                try:
                    item = (
                        self.outbox.get(timeout=remaining)
                        if remaining > 0
                        else self.outbox.get_nowait()
                    )
                except queue.Empty:
                    break
                if item[0] > gather_until:
                    waiting = item
                    break
                if item[0] > time.monotonic():
                    time.sleep(item[0] - time.monotonic())
                due.append(item[1:])
            batches: dict[str, list[dict]] = {}
            for reference, outcome in due:
                order = outcome(reference)
                batches.setdefault(order["callback_url"], []).extend(self.callbacks_for(order))
                if order.get("late_success"):
                    delay = float(self.behaviour["late_success_delay_ms"]) / 1000
                    self.outbox.put((time.monotonic() + delay, reference, self.succeed_late))
            for url, reports in batches.items():
                if int(self.behaviour["callback_batch"]) > 1:
                    if reports:
                        self.deliver(url, {"reports": reports}, connections)
                    continue
                for report in reports:
                    self.deliver(url, report, connections)

    def deliver(self, url: str, report: dict, connections: dict | None = None) -> int:
        """POST one signed callback, a report or a batch of them (three tries on a refused
        connection or a 5xx)."""
        if not url:
            return 0
        connections = {} if connections is None else connections
        parts = urlsplit(url)
        key = (parts.hostname, parts.port or 80)
        body = json.dumps(report).encode()
        for attempt in range(3):
            connection = connections.get(key)
            if connection is None:
                connection = connections[key] = NoDelayConnection(*key, timeout=10)
            try:
                connection.request(
                    "POST",
                    parts.path,
                    body=body,
                    headers={
                        "Content-Type": "application/json",
                        HEADER: signature_header(body=body, secrets=[self.secret]),
                    },
                )
                response = connection.getresponse()
                response.read()
                if response.status < 500:
                    with self.lock:
                        self.sent["callbacks"] += 1
                        self.sent["reports"] += len(report.get("reports", [report]))
                    return response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connections.pop(key, None)
            time.sleep(0.1 * (attempt + 1))
        return 0


def handler_for(gateway: Gateway):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: without this, Nagle's algorithm holds the body
        # until the client's delayed ACK (40 ms a request on Linux).
        disable_nagle_algorithm = True

        def log_message(self, format, *args):  # noqa: A002 - the base class's name
            return

        def answer(self, status: int, data: dict | None = None) -> None:
            body = json.dumps(data or {}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def signed(self, body: bytes) -> bool:
            try:
                signature_verify(
                    body=body, header=self.headers.get(HEADER, ""), secrets=[gateway.secret]
                )
            except SignatureError:
                self.answer(401, {"error": "bad signature"})
                return False
            return True

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.path == "/health":
                with gateway.lock:
                    return self.answer(200, {"ok": True, "delivered": dict(gateway.sent)})
            if not self.signed(b""):
                return None
            reference = self.path.rsplit("/", 1)[-1]
            order = gateway.orders.get(reference)
            if not self.path.startswith("/orders/") or order is None:
                return self.answer(404, {"error": "unknown order"})
            return self.answer(200, order)

        def do_POST(self) -> None:  # noqa: N802
            body = self.body()
            if self.path == "/control":
                changes = json.loads(body or b"{}")
                with gateway.lock:
                    for name, value in changes.items():
                        if name == "balances":
                            gateway.balances = {k: Decimal(v) for k, v in value.items()}
                        elif name in gateway.behaviour:
                            gateway.behaviour[name] = float(value)
                return self.answer(200, {**gateway.behaviour})
            if not self.signed(body):
                return None
            if self.path == "/orders":
                request = json.loads(body)
                order, new = gateway.submit(request)
                latency = float(gateway.behaviour["latency_ms"]) / 1000
                if new and gateway.chance("early_callback_rate"):
                    settled = gateway.settle(order["reference"])
                    for report in gateway.callbacks_for(settled):
                        gateway.deliver(settled["callback_url"], report)
                elif new:
                    gateway.later(order)
                if latency:
                    time.sleep(latency)
                return self.answer(201 if new else 200, order)
            if self.path.startswith("/orders/") and self.path.endswith("/return"):
                order = gateway.give_back(self.path.split("/")[2])
                if order is None:
                    return self.answer(404, {"error": "no settled order"})
                gateway.deliver(order["callback_url"], {**order})
                return self.answer(200, order)
            return self.answer(404, {"error": "no such address"})

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument("--secret", default="gwsec_local_development_only")
    parser.add_argument("--secret-file", type=Path)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--senders", type=int, default=SENDERS, help="callback sender threads")
    for name, default in BEHAVIOUR.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=float, default=default)
    args = parser.parse_args()
    secret = args.secret_file.read_text().strip() if args.secret_file else args.secret
    behaviour = {name: getattr(args, name) for name in BEHAVIOUR}
    server = ThreadingHTTPServer(
        (args.host, args.port), handler_for(Gateway(secret, behaviour, args.seed, args.senders))
    )
    server.daemon_threads = True
    print(f"local gateway on http://{args.host}:{server.server_port}/", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
