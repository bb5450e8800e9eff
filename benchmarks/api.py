"""The consumer API under load: gunicorn (2 sync workers) in front of PostgreSQL, driven from
this machine over loopback by keep-alive HTTP clients in threads.

Builds a portfolio of active 12-month loans in bulk (one borrower, user and API token per loan;
loans, schedules and disbursement postings set-based), serves the app with gunicorn and the
production settings, then measures for a bounded time (or request count):

* ``GET /api/v1/loans/{id}/schedule`` on random loans of random borrowers;
* ``GET /api/v1/loans/{id}`` (the loan with its balance, next installment, amounts overdue and
  due now and payoff amount) likewise;
* ``POST /api/v1/loans/{id}/repayments`` of 1.00 with a unique ``Idempotency-Key`` each.

Afterwards it counts the repayments in the database against the 201 responses: any difference
is a repayment lost or doubled. The last line printed is a JSON object with the figures.

Sync workers (gunicorn's default) with 4 clients measured best here; ``--threads N`` runs
``gthread`` workers instead (keep-alive, N threads each), which measured slower for repayments
on this 2-core machine. The load generator shares the machine: figures drop sharply when other
processes are busy (``load_average_1m`` is in the JSON for that reason).

    python benchmarks/api.py [--loans 3000] [--seconds 12] [--clients 4] [--threads 1]
        [--database NAME]
"""

import argparse
import http.client
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _django  # noqa: E402
import _portfolio  # noqa: E402

ON = date(2026, 1, 1)  # the business date config.settings.test opens the books on
MAX_REQUESTS = 20_000
SECRET = secrets.token_urlsafe(60)


def build_portfolio(count: int) -> list[tuple[int, str]]:
    """(loan id, its borrower's token) for ``count`` active loans disbursed on ``ON``."""
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    from ledger.services import business_date_current
    from loans.models import Borrower

    # The books open on ON here, before the app starts: the app's settings would otherwise open
    # them on the wall clock's date, and every loan would be months past due and never accrued.
    opened_on = business_date_current()
    if opened_on != ON:
        raise SystemExit(f"The benchmark's books opened on {opened_on}, not {ON}.")
    product = _portfolio.bench_product("bench-api", "API benchmark cash loan")
    users = User.objects.bulk_create(User(username=f"bench{n}", password="!") for n in range(count))
    tokens = Token.objects.bulk_create(Token(key=Token.generate_key(), user=user) for user in users)
    borrowers = []
    for n, user in enumerate(users):
        borrower = Borrower(name=f"Borrower {n}", user=user)
        borrower.set_national_id(f"1101011990{n:08d}")
        borrowers.append(borrower)
    Borrower.objects.bulk_create(borrowers)
    loan_ids = _portfolio.active_loans(
        product=product, borrowers=borrowers, start=ON, reference="APIBENCH"
    )
    return [(loan_id, token.key) for loan_id, token in zip(loan_ids, tokens, strict=True)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    port: int, database_url: str, threads: int, *, workers: int = 2
) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback; TLS ends at the proxy
        "LOG_LEVEL": "ERROR",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "config.wsgi",
            "--workers",
            str(workers),
            # Threads overlap one request's database round trips with another's work, and
            # (unlike sync workers) keep client connections alive.
            "--worker-class",
            "gthread" if threads > 1 else "sync",
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "error",
        ],
        cwd=_django.ROOT,
        env=env,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def run_load(port: int, clients: int, seconds: float, make_request) -> tuple[list, list, float]:
    """Each client thread keeps one connection alive and sends requests until the time or the
    request budget is spent. Returns latencies (s), status codes and the elapsed time."""
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    budget = iter(range(MAX_REQUESTS))
    barrier = threading.Barrier(clients + 1)

    def client(number: int) -> None:
        rng = random.Random(number)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine_latencies, mine_statuses = [], []
        barrier.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline and next(budget, None) is not None:
            method, path, body, headers = make_request(rng)
            started = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine_latencies.append(time.perf_counter() - started)
            mine_statuses.append(response.status)
        conn.close()
        with lock:
            latencies.extend(mine_latencies)
            statuses.extend(mine_statuses)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return latencies, statuses, time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def report(name: str, latencies, statuses, elapsed: float) -> dict:
    rps = len(statuses) / elapsed
    p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
    codes = {str(code): statuses.count(code) for code in sorted(set(statuses))}
    print(
        f"{name:10s} {len(statuses):6d} requests in {elapsed:5.1f} s: {rps:7.1f} req/s, "
        f"p50 {p50:6.2f} ms, p99 {p99:6.2f} ms, status {codes}"
    )
    return {"rps": round(rps, 1), "p50_ms": round(p50, 2), "p99_ms": round(p99, 2), "codes": codes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loans", type=int, default=3_000)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="per gunicorn worker (1: sync)")
    _django.add_database_argument(parser)
    args = parser.parse_args()

    os.environ["SECRET_KEY"] = SECRET
    url = _django.setup(_django.database_name(args.database, "api"))
    started = time.perf_counter()
    pairs = build_portfolio(args.loans)
    print(f"built {len(pairs)} active loans in {time.perf_counter() - started:.1f} s")
    from django.db import connections

    connections.close_all()

    port = free_port()
    server = start_gunicorn(port, url, args.threads)
    try:
        schedule_read = lambda rng: _get(rng.choice(pairs), "schedule")  # noqa: E731
        run_load(port, args.clients, 2.0, schedule_read)  # warm-up: workers, connections
        schedule = report("schedule", *run_load(port, args.clients, args.seconds, schedule_read))
        loan_read = lambda rng: _get(rng.choice(pairs), "")  # noqa: E731
        loan = report("loan", *run_load(port, args.clients, args.seconds, loan_read))
        repayment = report(
            "repayment", *run_load(port, args.clients, args.seconds, lambda rng: _repay(rng, pairs))
        )
    finally:
        server.terminate()
        server.wait(timeout=30)

    from core.models import IdempotencyRecord
    from loans.models import Repayment

    posted = Repayment.objects.filter(channel="app").count()
    records = IdempotencyRecord.objects.filter(status_code=201).count()
    created = repayment["codes"].get("201", 0)
    lost_or_doubled = abs(posted - created) + abs(records - created)
    print(f"repayments in the database: {posted}, 201 responses: {created}")
    result = {
        "loans": len(pairs),
        "clients": args.clients,
        "gunicorn_workers": 2,
        "gunicorn_threads": args.threads,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "schedule_rps": schedule["rps"],
        "schedule_p50_ms": schedule["p50_ms"],
        "schedule_p99_ms": schedule["p99_ms"],
        "loan_rps": loan["rps"],
        "loan_p50_ms": loan["p50_ms"],
        "loan_p99_ms": loan["p99_ms"],
        "repayment_rps": repayment["rps"],
        "repayment_p50_ms": repayment["p50_ms"],
        "repayment_p99_ms": repayment["p99_ms"],
        "repayment_errors": sum(n for code, n in repayment["codes"].items() if code != "201"),
        "lost_or_doubled": lost_or_doubled,
    }
    print(json.dumps(result))


def _get(pair: tuple[int, str], what: str):
    loan_id, token = pair
    path = f"/api/v1/loans/{loan_id}/{what}".rstrip("/")
    return "GET", path, None, {"Authorization": f"Token {token}"}


def _repay(rng: random.Random, pairs):
    loan_id, token = rng.choice(pairs)
    headers = {
        "Authorization": f"Token {token}",
        "Content-Type": "application/json",
        "Idempotency-Key": str(uuid.UUID(int=rng.getrandbits(128))),
    }
    return "POST", f"/api/v1/loans/{loan_id}/repayments", '{"amount": "1.00"}', headers


if __name__ == "__main__":
    main()
