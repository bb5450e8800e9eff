"""Money through the rails: orders per second through the full path, the cost of verifying a
callback, and matching a 100,000-line bank statement.

1. **Full path** — gunicorn (``--workers`` 3, ``--threads`` 2 each: with two workers a callback
   took one of the four threads the four clients' requests need) serves the app with
   ``PAYMENTS_GATEWAY=local``; the local gateway (`scripts/local_gateway.py`) runs beside it.
   4 keep-alive clients POST
   ``/api/v1/loans/{id}/payment-orders`` (1.00, a unique ``Idempotency-Key`` each): the order is
   created, sent to the gateway, and the gateway's signed callback to our endpoint posts the
   repayment. Orders per second = orders settled (repayment posted) / the time from the first
   request to the last settlement. Afterwards: every succeeded order has exactly one repayment.
2. **Callback verification** — `HttpGateway.callback_verify` (HMAC-SHA256 over timestamp + body,
   the timestamp window, JSON) per call, in process.
3. **Statement matching** — 100,000 succeeded orders in the books; a CSV statement of 100,000
   lines (by reference, splits, by amount and date, duplicates, unknown) imported and matched
   (`statement_import`: parse, insert, match), timed end to end.

    python benchmarks/payment_rails.py [--loans 2000] [--seconds 10] [--clients 4]
        [--statement-lines 100000] [--database NAME] [--port P] [--gateway-port P]
        [--workers 3] [--threads 2] [--senders 8] [--callback-batch 1] [--batch-window-ms 0]

``--senders``: the gateway's callback threads (how many callbacks are in flight at once);
``--callback-batch``: at most this many reports in one callback, gathered for up to
``--batch-window-ms`` (each sender gathers its own: batch with few senders).

The machine is shared by the load generator, gunicorn, the gateway and PostgreSQL: the JSON's
``load_average_1m`` says how busy it was. The last line printed is a JSON object.
"""

import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _django  # noqa: E402
import _timing  # noqa: E402
import api  # noqa: E402

GATEWAY_SECRET = secrets.token_urlsafe(32)


def start_gateway(
    port: int = 0, senders: int = 8, batch: int = 1, window_ms: float = 0
) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, str(_django.ROOT / "scripts/local_gateway.py"), "--port", str(port)]
        + ["--secret", GATEWAY_SECRET, "--callback-delay-ms", "0", "--senders", str(senders)]
        + ["--callback-batch", str(batch), "--callback-batch-window-ms", str(window_ms)],
        stdout=subprocess.PIPE,
        text=True,
    )
    return process, process.stdout.readline().split(" on ", 1)[1].strip().rstrip("/")


def run_load(port: int, clients: int, seconds: float, make_request):
    """`api.run_load` with TCP_NODELAY on the clients' connections (http.client writes a POST's
    headers and body apart: with Nagle on, each request would wait for a delayed ACK)."""
    from payments.gateways.http import NoDelayConnection

    original = api.http.client.HTTPConnection
    api.http.client.HTTPConnection = NoDelayConnection
    try:
        return api.run_load(port, clients, seconds, make_request)
    finally:
        api.http.client.HTTPConnection = original


def full_path(
    pairs,
    *,
    url: str,
    clients: int,
    seconds: float,
    port: int = 0,
    gateway_port: int = 0,
    workers: int = 3,
    threads: int = 2,
    senders: int = 8,
    batch: int = 1,
    window_ms: float = 0,
) -> dict:
    from django.db import connections

    from loans.models import Repayment
    from payments.models import PaymentOrder

    connections.close_all()
    gateway, gateway_url = start_gateway(gateway_port, senders, batch, window_ms)
    port = port or api.free_port()
    os.environ.update(
        PAYMENTS_GATEWAY="local",
        PAYMENTS_GATEWAY_URL=gateway_url,
        PAYMENTS_GATEWAY_SECRET=GATEWAY_SECRET,
        PAYMENTS_CALLBACK_URL=f"http://127.0.0.1:{port}/api/v1/payments/callbacks/local",
    )
    server = api.start_gunicorn(port, url, threads, workers=workers)

    def pay(rng: random.Random):
        loan_id, token = rng.choice(pairs)
        headers = {
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": str(uuid.UUID(int=rng.getrandbits(128))),
        }
        return "POST", f"/api/v1/loans/{loan_id}/payment-orders", '{"amount": "1.00"}', headers

    try:
        run_load(port, clients, 1.5, pay)  # warm-up
        warm = PaymentOrder.objects.count()
        database = connections["default"].settings_dict["NAME"]
        pids = [server.pid, gateway.pid]
        cpu_before = _django.process_cpu(pids), _django.database_backends_cpu(database)
        clients_before = time.process_time()
        started = time.perf_counter()
        latencies, statuses, elapsed = run_load(port, clients, seconds, pay)
        sent = PaymentOrder.objects.count() - warm
        deadline = time.time() + 60
        while time.time() < deadline:
            if not PaymentOrder.objects.filter(status__in=PaymentOrder.OPEN).exists():
                break
            time.sleep(0.05)
        settled_after = time.perf_counter() - started
        clients_cpu = time.process_time() - clients_before
        cpu_after = _django.process_cpu(pids), _django.database_backends_cpu(database)
        figures = api.report("orders", latencies, statuses, elapsed)
    finally:
        server.terminate()
        server.wait(timeout=30)
        gateway.kill()
        gateway.wait()
    succeeded = PaymentOrder.objects.filter(status=PaymentOrder.Status.SUCCEEDED)
    repayments = Repayment.objects.filter(channel="gateway")
    keys = set(repayments.values_list("idempotency_key", flat=True))
    doubled_or_lost = abs(repayments.count() - succeeded.count()) + sum(
        1 for key in succeeded.values_list("effect_key", flat=True) if key not in keys
    )
    cpu = {
        "app": _django.cpu_delta(cpu_before[0], {server.pid: cpu_after[0][server.pid]}),
        "gateway": _django.cpu_delta(cpu_before[0], {gateway.pid: cpu_after[0][gateway.pid]}),
        "postgresql": _django.cpu_delta(cpu_before[1], cpu_after[1]),
        "clients": clients_cpu,
    }
    print(
        "CPU per order (ms): "
        + ", ".join(f"{name} {seconds * 1000 / max(sent, 1):.2f}" for name, seconds in cpu.items())
    )
    return {
        "cpu_ms_per_order": {
            name: round(seconds * 1000 / max(sent, 1), 2) for name, seconds in cpu.items()
        },
        "orders_sent": sent,
        "orders_per_second": round(sent / settled_after, 1),
        "request_p50_ms": figures["p50_ms"],
        "request_p99_ms": figures["p99_ms"],
        "statuses": figures["codes"],
        "open_after": PaymentOrder.objects.filter(status__in=PaymentOrder.OPEN).count(),
        "lost_or_doubled": doubled_or_lost,
    }


def callback_cost() -> float:
    from events.signing import signature_header
    from payments.gateways.http import HttpGateway

    gateway = HttpGateway(
        name="local", url="http://127.0.0.1:1", secret=GATEWAY_SECRET, callback_url=""
    )
    body = json.dumps(
        {
            "reference": "PO0123456789ABCDEF",
            "gateway_id": "GW0000000001",
            "status": "succeeded",
            "amount_settled": "1020.07",
            "reason": "",
        }
    ).encode()
    headers = {"Gateway-Signature": signature_header(body=body, secrets=[GATEWAY_SECRET])}
    return _timing.seconds_per_call(
        lambda: gateway.callback_verify(body=body, headers=headers), iterations=5_000
    )


def statement_matching(lines: int, loan_id: int) -> dict:
    from django.db.models import Count

    from payments.models import PaymentOrder, StatementLine
    from payments.services.statements import statement_import

    on = date(2026, 1, 1)
    rng = random.Random(18)
    orders = [
        PaymentOrder(
            reference=f"PO{n:016X}",
            idempotency_key=f"bench-statement-{n}",
            request_hash="-",
            direction="collect",
            purpose="repayment",
            loan_id=loan_id,
            amount=Decimal(rng.randrange(100, 500_000)) / 100,
            currency="CNY",
            status="succeeded",
            business_date=on + timedelta(days=rng.randrange(0, 28)),
            gateway="local",
            effect_key=f"bench-effect-{n}",
        )
        for n in range(lines)
    ]
    for order in orders:
        order.amount_settled = order.amount
    PaymentOrder.objects.bulk_create(orders, batch_size=5000)
    rows = ["statement_id,account,booking_date,amount,reference,bank_reference"]
    n = 0
    kinds = {"reference": 0, "split": 0, "amount_date": 0, "duplicate": 0, "unknown": 0}
    while n < lines and len(rows) <= lines:
        roll = rng.random()
        order = orders[n]
        booked = order.business_date + timedelta(days=rng.randrange(0, 2))
        if roll < 0.70:
            rows.append(f"S-BENCH,6222,{booked},{order.amount},{order.reference},B{len(rows)}")
            n, kinds["reference"] = n + 1, kinds["reference"] + 1
        elif roll < 0.80 and n + 1 < lines:
            other = orders[n + 1]
            amount = order.amount + other.amount
            text = f"batch {order.reference} {other.reference}"
            rows.append(f"S-BENCH,6222,{booked},{amount},{text},B{len(rows)}")
            n, kinds["split"] = n + 2, kinds["split"] + 1
        elif roll < 0.90:
            rows.append(f"S-BENCH,6222,{booked},{order.amount},transfer,B{len(rows)}")
            n, kinds["amount_date"] = n + 1, kinds["amount_date"] + 1
        elif roll < 0.95 and len(rows) > 1:
            rows.append(rows[-1])  # the same bank reference again
            kinds["duplicate"] += 1
        else:
            rows.append(f"S-BENCH,6222,{booked},0.{rng.randrange(10, 99)},?,U{len(rows)}")
            kinds["unknown"] += 1
    content = ("\n".join(rows[: lines + 1]) + "\n").encode()
    started = time.perf_counter()
    result = statement_import(content=content, filename="bench.csv", actor="bench")
    elapsed = time.perf_counter() - started
    statuses = dict(StatementLine.objects.values_list("status").annotate(n=Count("id")))
    print(f"statement of {result['lines']} lines matched in {elapsed:.1f} s: {statuses}")
    return {
        "statement_lines": result["lines"],
        "statement_seconds": round(elapsed, 2),
        "statement_matched": result["matched"],
        "statement_queued": result["queued"],
        "statement_kinds": kinds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loans", type=int, default=2_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--statement-lines", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=0, help="the app's (default: any free one)")
    parser.add_argument("--gateway-port", type=int, default=0)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--senders", type=int, default=8, help="the gateway's callback senders")
    parser.add_argument(
        "--callback-batch", type=int, default=1, help="reports per callback, at most (gateway)"
    )
    parser.add_argument(
        "--batch-window-ms", type=float, default=0, help="how long a callback batch gathers"
    )
    _django.add_database_argument(parser)
    args = parser.parse_args()

    os.environ["SECRET_KEY"] = api.SECRET
    url = _django.setup(_django.database_name(args.database, "payments"))
    pairs = api.build_portfolio(args.loans)
    print(f"built {len(pairs)} active loans")
    result = {"loans": len(pairs), "clients": args.clients}
    result.update(workers=args.workers, threads=args.threads, gateway_senders=args.senders)
    result.update(callback_batch=args.callback_batch, batch_window_ms=args.batch_window_ms)
    result.update(
        full_path(
            pairs,
            url=url,
            clients=args.clients,
            seconds=args.seconds,
            port=args.port,
            gateway_port=args.gateway_port,
            workers=args.workers,
            threads=args.threads,
            senders=args.senders,
            batch=args.callback_batch,
            window_ms=args.batch_window_ms,
        )
    )
    print(f"full path: {result['orders_per_second']} orders/s settled")
    result["callback_verify_us"] = round(callback_cost() * 1e6, 1)
    print(f"callback verification: {result['callback_verify_us']} µs a call")
    if args.statement_lines:  # 0: the full path only
        result.update(statement_matching(args.statement_lines, pairs[0][0]))
    result["load_average_1m"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
