"""The close on several worker hosts: Celery workers, each in its own network namespace.

Builds a portfolio in a scratch PostgreSQL database (the close benchmark's book), starts N Celery
workers each inside its own network namespace (`ip netns`, a veth pair to the host): a worker
reaches PostgreSQL and RabbitMQ only at its host-side veth address, where a forwarder (socat)
passes the connection on to the service on 127.0.0.1. Separate network stacks, no shared memory,
failures independent: how a second and a third host behave. Then it closes the business date over
them, optionally SIGKILLs one worker and cuts another off the network (its veth link down) while
each holds a chunk, prints what every worker did, and tears everything down.

With --compare the same portfolio (a template copy taken before the close) is closed by one
process, and the two books are compared account by account and loan by loan; the script exits 1
on any difference. The last line printed is a JSON object with the figures.

    python scripts/cluster.py --workers 3 --loans 5000 [--kill 1] [--cut 2] [--compare]

Needs root (or CAP_NET_ADMIN) for `ip netns`, and socat.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import _django  # noqa: E402

PORTS = (5432, 5672)  # PostgreSQL, RabbitMQ


class ClusterUnavailable(SystemExit):
    """This machine cannot make network namespaces (not root, no `ip`, or the kernel refuses)."""


def _run(*command: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=check, capture_output=True, text=True)


def namespaces_possible() -> str | None:
    """None when namespaces can be made here, else why not."""
    if shutil.which("ip") is None:
        return "the `ip` command (iproute2) is not installed"
    if shutil.which("socat") is None:
        return "socat is not installed (apt install socat)"
    probe = f"ilprobe{os.getpid() % 100000}"
    made = _run("ip", "netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"the kernel refuses network namespaces: {made.stderr.strip()}"
    _run("ip", "netns", "del", probe, check=False)
    return None


class Host:
    """One worker host: a network namespace, its veth pair and the forwarders at its address."""

    def __init__(self, tag: str, number: int, subnet: int):
        self.number = number
        self.namespace = f"il{tag}w{number}"
        self.host_link = f"il{tag}h{number}"
        self.inner_link = f"il{tag}v{number}"
        self.host_address = f"10.{subnet}.{number}.1"
        self.address = f"10.{subnet}.{number}.2"
        self.forwarders: list[subprocess.Popen] = []
        self.worker: subprocess.Popen | None = None
        self.peak_rss_mb: float | None = None

    def up(self) -> None:
        ns = self.namespace
        _run("ip", "netns", "add", ns)
        _run("ip", "link", "add", self.host_link, "type", "veth", "peer", "name", self.inner_link)
        _run("ip", "link", "set", self.inner_link, "netns", ns)
        _run("ip", "addr", "add", f"{self.host_address}/30", "dev", self.host_link)
        _run("ip", "link", "set", self.host_link, "up")
        _run("ip", "netns", "exec", ns, "ip", "addr", "add", f"{self.address}/30", "dev",
             self.inner_link)  # fmt: skip
        _run("ip", "netns", "exec", ns, "ip", "link", "set", self.inner_link, "up")
        _run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        for port in PORTS:
            self.forwarders.append(
                subprocess.Popen(
                    [
                        "socat",
                        f"TCP-LISTEN:{port},bind={self.host_address},fork,reuseaddr",
                        f"TCP:127.0.0.1:{port}",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,  # its forked children die with it (killpg)
                )
            )
        time.sleep(0.3)

    def start_worker(
        self, *, database: str, queue: str, lease_seconds: int, log: Path, hold: str = ""
    ) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _url_at(database, self.host_address),
            "CELERY_BROKER_URL": f"amqp://guest:guest@{self.host_address}:5672//",
            "CLOSE_LEASE_SECONDS": str(lease_seconds),
            "CLOSE_FAULT_HOLD": hold,
        }
        env.pop("CELERY_RESULT_BACKEND", None)
        command = [
            "ip", "netns", "exec", self.namespace,
            sys.executable, "-m", "celery", "-A", "config.celery_app", "worker",
            "--pool", "solo", "--queues", queue, "--hostname", f"host{self.number}@{self.namespace}",
            "--without-gossip", "--without-mingle", "--loglevel", "WARNING",
        ]  # fmt: skip
        self.worker = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
        )

    def sample_rss(self) -> None:
        if self.worker is None or self.worker.poll() is not None:
            return
        for pid in _children(self.worker.pid) or [self.worker.pid]:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    mb = int(line.split()[1]) / 1024
                    self.peak_rss_mb = round(max(self.peak_rss_mb or 0, mb), 1)

    def kill(self) -> None:
        """SIGKILL: the host dies, no goodbye to the broker or the database."""
        if self.worker is not None:
            self.sample_rss()
            for pid in _children(self.worker.pid):
                os.kill(pid, signal.SIGKILL)
            self.worker.kill()

    def cut_off(self) -> None:
        """The host stays alive but its network is gone."""
        _run("ip", "link", "set", self.host_link, "down")

    def down(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            self.kill()
            self.worker.wait(timeout=10)
        for forwarder in self.forwarders:
            with suppress(ProcessLookupError):
                os.killpg(forwarder.pid, signal.SIGKILL)
            forwarder.wait(timeout=10)
        _run("ip", "link", "del", self.host_link, check=False)
        _run("ip", "netns", "del", self.namespace, check=False)


def _children(pid: int) -> list[int]:
    """The worker's own processes (`ip netns exec` execs into python, so usually just pid)."""
    found = _run("pgrep", "-P", str(pid), check=False).stdout.split()
    return [int(child) for child in found] + [pid]


def _url_at(database: str, address: str) -> str:
    parts = urlsplit(_django.database_url(database))
    netloc = parts.netloc.rsplit("@", 1)
    host = f"{address}:{parts.port or 5432}"
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))


@contextmanager
def hosts(count: int):
    tag = f"{os.getpid() % 1000:03d}"
    subnet = 64 + os.getpid() % 128
    made = [Host(tag, number, subnet) for number in range(1, count + 1)]
    try:
        for host in made:
            host.up()
        yield made
    finally:
        for host in made:
            host.down()


def template_copy(source: str, copy: str) -> None:
    """`copy` made from `source` as it is now (no connection may be open to `source`)."""
    import psycopg
    from django.db import connections
    from psycopg import sql

    connections.close_all()
    _django.drop_scratch_database(copy)
    with psycopg.connect(_django.admin_url(), autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(copy), sql.Identifier(source)
            )
        )
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(copy), sql.Literal(_django.MARK)
            )
        )


def close_single(database: str) -> float:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _django.database_url(database),
    }
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "close_day"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


BOOKS_QUERIES = {
    "accounts": """
        SELECT a.code, a.currency, sum(l.debit), sum(l.credit)
          FROM ledger_journalline l JOIN ledger_account a ON a.id = l.account_id
         GROUP BY a.code, a.currency ORDER BY 1, 2""",
    "loan_accounts": """
        SELECT l.loan_id, a.code, sum(l.debit), sum(l.credit)
          FROM ledger_journalline l JOIN ledger_account a ON a.id = l.account_id
         WHERE l.loan_id IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2""",
    "stored_balances": """
        SELECT b.loan_id, a.code, b.debit_total, b.credit_total
          FROM ledger_loanaccountbalance b JOIN ledger_account a ON a.id = b.account_id
         ORDER BY 1, 2""",
    "entries": """
        SELECT idempotency_key, kind, business_date FROM ledger_journalentry ORDER BY 1""",
    "installments": """
        SELECT loan_id, number, status, interest_accrued, fee_charged, penalty_due
          FROM loans_installment ORDER BY 1, 2""",
    "loans": """
        SELECT id, status, days_past_due, delinquency_bucket, risk_category, non_accrual
          FROM loans_loan ORDER BY 1""",
    "business_date": "SELECT lender, current FROM ledger_businessdate ORDER BY 1",
}


def books(database: str) -> dict[str, list]:
    import psycopg

    with psycopg.connect(_django.database_url(database)) as conn:
        return {name: conn.execute(sql).fetchall() for name, sql in BOOKS_QUERIES.items()}


def differences(one: dict[str, list], other: dict[str, list]) -> dict[str, int]:
    """Per picture: how many rows are in one and not in the other (0 everywhere: equal)."""
    return {
        name: len(set(one[name]) ^ set(other[name]))
        for name in BOOKS_QUERIES
        if one[name] != other[name]
    }


def _wait_for_lease(worker: str, step: str, deadline: float) -> bool:
    from loans.models import CloseLease

    held = CloseLease.objects.filter(worker__startswith=worker, outcome="held")
    if step:
        held = held.filter(step_run__step=step)
    while time.monotonic() < deadline:
        if held.exists():
            return True
        time.sleep(0.05)
    return False


def _wait_for_workers(sender, made: list[Host], deadline: float, logs: Path) -> None:
    """Every worker answering a ping before the close is sent (else the first one up would
    close it alone)."""
    names = {f"host{host.number}@{host.namespace}" for host in made}
    while time.monotonic() < deadline:
        answered = {name for reply in sender.control.ping(timeout=1.0) for name in reply}
        if names <= answered:
            return
        if any(host.worker.poll() is not None for host in made):
            raise SystemExit(f"a worker exited while starting: see {logs}")
    raise SystemExit(f"the workers did not all start: see {logs}")


def cluster_close(args) -> dict:
    from celery import Celery

    from ledger.services import business_date_current
    from loans.eod import close_run_open
    from loans.models import CloseLease, CloseRun, CloseStepRun

    database = args.database_name
    queue = f"close-cluster-{os.getpid()}"
    logs = Path(args.logs)
    logs.mkdir(parents=True, exist_ok=True)
    figures: dict = {"workers": args.workers, "loans": args.loans}
    with ExitStack() as stack:
        made = stack.enter_context(hosts(args.workers))
        for host in made:
            host.start_worker(
                database=database,
                queue=queue,
                lease_seconds=args.lease,
                log=logs / f"{host.namespace}.log",
                hold=args.hold,
            )
        day = business_date_current()
        close_run_open(business_date=day, chunk_size=args.chunk_size)
        sender = Celery(broker="amqp://guest:guest@127.0.0.1:5672//")
        stack.callback(sender.close)
        _wait_for_workers(sender, made, time.monotonic() + 120, logs)
        started = time.perf_counter()
        for _ in made:
            sender.send_task("loans.tasks.close_work", args=[day.isoformat()], queue=queue)
        deadline = time.monotonic() + args.timeout
        events = []
        for number, action in ((args.kill, "kill"), (args.cut, "cut")):
            if not number:
                continue
            host = made[number - 1]
            if not _wait_for_lease(f"host{number}@", args.hold_step, deadline):
                raise SystemExit(f"worker {number} never took a chunk: see {logs}")
            host.kill() if action == "kill" else host.cut_off()
            events.append({"worker": number, "action": action, "at": time.perf_counter() - started})
        while time.monotonic() < deadline:
            for host in made:
                host.sample_rss()
            run = CloseRun.objects.get(business_date=day)
            if run.status in ("done", "failed"):
                break
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        run = CloseRun.objects.get(business_date=day)
        figures.update(
            status=run.status,
            last_error=run.last_error,
            seconds=round(seconds, 2),
            loans_per_second=round(args.loans / seconds, 1),
            chunks=CloseStepRun.objects.filter(run=run).count(),
            faults=events,
            per_worker={},
        )
        for host in made:
            leases = CloseLease.objects.filter(worker__startswith=f"host{host.number}@")
            figures["per_worker"][host.number] = {
                "namespace": host.namespace,
                "chunks_done": leases.filter(outcome="done").count(),
                "fenced": leases.filter(outcome="fenced").count(),
                "failed": leases.filter(outcome="failed").count(),
                "expired": leases.filter(outcome="expired").count(),
                "left_held": leases.filter(outcome="held").count(),
                "peak_rss_mb": host.peak_rss_mb,
            }
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--loans", type=int, default=5_000)
    parser.add_argument("--chunk-size", type=int, default=250)
    parser.add_argument("--lease", type=int, default=5, help="lease seconds (default 5)")
    parser.add_argument("--kill", type=int, default=0, help="SIGKILL this worker mid-chunk")
    parser.add_argument("--cut", type=int, default=0, help="cut this worker off mid-chunk")
    parser.add_argument(
        "--hold",
        default="",
        metavar="STEP:SECONDS",
        help="every worker waits SECONDS inside each chunk of STEP before committing (so each "
        "takes one at a time), and the faults wait for their worker to hold a chunk of STEP: "
        "they land mid-chunk",
    )
    parser.add_argument("--compare", action="store_true", help="check against one process")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--logs", default=str(ROOT / "var" / "cluster"))
    _django.add_database_argument(parser)
    args = parser.parse_args(argv)
    args.hold_step = args.hold.partition(":")[0]
    why = namespaces_possible()
    if why:
        raise ClusterUnavailable(f"cannot make worker hosts here: {why}")
    for number in (args.kill, args.cut):
        if number and not 1 <= number <= args.workers:
            parser.error(f"--kill/--cut take a worker number from 1 to {args.workers}")
    if args.kill and args.kill == args.cut:
        parser.error("--kill and --cut must name different workers")

    args.database_name = _django.database_name(args.database, "cluster")
    _django.setup(args.database_name)
    from eod import build_portfolio

    started = time.perf_counter()
    build_portfolio(args.loans)
    print(f"built {args.loans} open loans in {time.perf_counter() - started:.1f} s", flush=True)
    single_name = f"{args.database_name}_single"
    if args.compare:
        template_copy(args.database_name, single_name)
    figures = cluster_close(args)
    print(f"cluster close: {figures['status']} in {figures['seconds']} s", flush=True)
    for number, worker in figures["per_worker"].items():
        print(f"  worker {number} ({worker['namespace']}): {worker}", flush=True)
    ok = figures["status"] == "done"
    if args.compare:
        from django.db import connections

        figures["single_seconds"] = round(close_single(single_name), 2)
        connections.close_all()
        diff = differences(books(args.database_name), books(single_name))
        figures["differences"] = diff
        print(f"single-process close: {figures['single_seconds']} s; differences: {diff or 'none'}")
        ok = ok and not diff
        _django.drop_scratch_database(single_name)
    print(json.dumps(figures, default=str))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
