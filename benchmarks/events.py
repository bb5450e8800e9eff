"""What domain events cost: the close with its events against the same close without, and
webhook dispatch throughput to a real local receiver.

(a) Builds the portfolio of `benchmarks/eod.py` (N open loans, 2% of them late) once, copies
the database, and runs the same close of the same business date on each copy: first as shipped
(every event written in its step's transaction), then with the event writers replaced by ones
that only run the state change they wrap (the due step's ``UPDATE … RETURNING``) and write no
event. Prints both times, the events written and the overhead; CPU seconds too (this process and
its database backend), which move far less than wall time with other people's load.

(b) Writes E events over E/10 loans and delivers them to `scripts/webhook_receiver.py` (its own
process, verifying every signature) with the dispatcher as shipped (`dispatch_once`, until
nothing is left). Prints events per second.

    python benchmarks/events.py [--loans 100000] [--events 20000] [--port 8400]
                                [--database NAME]

The last line printed is a JSON object with the figures.
"""

import argparse
import json
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _django  # noqa: E402
import eod  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WRITER_MODULES = ("loans.events", "collection.events", "origination.events", "compliance.events")
SECRET = "whsec_bench"


def _no_event(**kwargs):
    return None


def _state_change_only(*, source_sql: str, params=(), **kwargs) -> int:
    """A bulk writer without the event: an UPDATE source (the change itself) still runs."""
    from django.db import connection

    if not source_sql.lstrip().upper().startswith("UPDATE"):
        return 0
    with connection.cursor() as cursor:
        cursor.execute(source_sql, list(params))
        return max(cursor.rowcount, 0)


def _no_events(**kwargs) -> int:
    return 0


def events_disabled() -> ExitStack:
    stack = ExitStack()
    for module in WRITER_MODULES:
        __import__(module)
        for name, fake in (
            ("event_record", _no_event),
            ("events_record_bulk", _state_change_only),
            ("events_record_many", _no_events),
        ):
            if hasattr(sys.modules[module], name):
                stack.enter_context(mock.patch(f"{module}.{name}", fake))
    return stack


def use_database(name: str) -> None:
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def close_once(database: str, chunk_size: int, *, with_events: bool) -> dict:
    from events.models import Event

    use_database(database)
    before = Event.objects.count()
    with ExitStack() as stack:
        if not with_events:
            stack.enter_context(events_disabled())
        seconds, steps, cpu = eod.run_close(chunk_size)
    written = Event.objects.count() - before
    return {"seconds": round(seconds, 3), "cpu_seconds": cpu, "events": written, "steps": steps}


def wait_for_port(port: int) -> None:
    for _ in range(200):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"the receiver did not start on port {port}")


def dispatch(events: int, port: int, workdir: Path) -> dict:
    from django.db import transaction

    from events.dispatch import dispatch_once
    from events.models import Delivery, Subscription
    from events.services import events_record_many

    subjects = max(1, events // 10)
    rows = [
        (f"bench/{n % subjects}", {"loan_id": n % subjects, "days_past_due": n}, None)
        for n in range(events)
    ]
    with transaction.atomic():
        for first in range(0, len(rows), 10_000):
            events_record_many(
                type="loan.non_accrual", rows=rows[first : first + 10_000], business_date=eod.ON
            )
    secret_file, out = workdir / "secret", workdir / "received.jsonl"
    secret_file.write_text(SECRET + "\n")
    out.unlink(missing_ok=True)
    receiver = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts/webhook_receiver.py"), "--port", str(port)]
        + ["--secret-file", str(secret_file), "--out", str(out)],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        subscription = Subscription.objects.create(
            name="bench",
            url=f"http://127.0.0.1:{port}/hook",
            secret=SECRET,
            event_types=["loan.non_accrual"],
        )
        started = time.perf_counter()
        while dispatch_once():
            pass
        seconds = time.perf_counter() - started
    finally:
        receiver.terminate()
        receiver.wait()
    delivered = Delivery.objects.filter(
        subscription=subscription, status=Delivery.Status.DELIVERED
    ).count()
    received = sum(1 for _ in out.open("rb"))
    return {
        "events": events,
        "delivered": delivered,
        "received": received,
        "seconds": round(seconds, 3),
        "events_per_second": round(delivered / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--port", type=int, default=8400)
    parser.add_argument("--chunk-size", type=int, default=None)
    _django.add_database_argument(parser)
    args = parser.parse_args()

    with_events = _django.database_name(args.database, "events")
    without = _django.database_name(args.database and f"{args.database}_off", "events_off")
    _django.setup(with_events)
    from loans.eod import CHUNK_SIZE

    chunk_size = args.chunk_size or CHUNK_SIZE
    started = time.perf_counter()
    eod.build_portfolio(args.loans)
    print(f"built {args.loans} open loans in {time.perf_counter() - started:.1f} s")
    use_database("postgres")  # no session may stay on the database being copied
    _django.clone_scratch_database(with_events, without)
    on = close_once(with_events, chunk_size, with_events=True)
    off = close_once(without, chunk_size, with_events=False)
    _django.drop_scratch_database(without)
    use_database(with_events)
    overhead = on["seconds"] / off["seconds"] - 1
    cpu_on = on["cpu_seconds"]["client"] + (on["cpu_seconds"]["database"] or 0)
    cpu_off = off["cpu_seconds"]["client"] + (off["cpu_seconds"]["database"] or 0)
    print(f"close with events:    {on['seconds']:8.2f} s, {on['events']} events written")
    print(f"close without events: {off['seconds']:8.2f} s, {off['events']} events written")
    print(f"overhead: {overhead:+.1%} wall, {cpu_on / cpu_off - 1:+.1%} CPU (limit +15%)")

    workdir = ROOT / "var" / "bench-events"
    workdir.mkdir(parents=True, exist_ok=True)
    sent = dispatch(args.events, args.port, workdir)
    print(
        f"dispatch: {sent['delivered']} of {sent['events']} events delivered in "
        f"{sent['seconds']:.2f} s: {sent['events_per_second']:,.0f} events/s (target 2,000)"
    )
    print(
        json.dumps(
            {
                "loans": args.loans,
                "close_with_events": on,
                "close_without_events": off,
                "overhead_wall": round(overhead, 4),
                "overhead_cpu": round(cpu_on / cpu_off - 1, 4),
                "dispatch": sent,
            }
        )
    )


if __name__ == "__main__":
    main()
