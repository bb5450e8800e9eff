"""Shared set-up for benchmarks: a PostgreSQL database of their own, migrated.

A benchmark's database is named by the caller (`--database NAME`) or derived from
`DATABASE_URL` (its database name and the benchmark's, e.g. `il_dev_bench_eod`), on the server
`DATABASE_URL` points at, so that benchmarks run by different people on one server do not meet.
A benchmark drops and rebuilds only a database that a benchmark created: it marks the databases
it creates (a comment on the database) and refuses to touch any other.
"""

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# The suite's default (config.settings.test), so that a bare run derives the same names.
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/installment_ledger"
MARK = "installment-ledger benchmark scratch database: benchmarks drop and rebuild it"
MAX_NAME = 63  # PostgreSQL truncates longer identifiers


class NotOurDatabase(SystemExit):
    """The database exists and no benchmark created it: it is never dropped."""


def add_database_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        help="the benchmark's own database (default: DATABASE_URL's database name + "
        "'_bench_' + the benchmark's name); created if absent, rebuilt only if a benchmark "
        "created it",
    )


def database_name(requested: str | None, benchmark: str) -> str:
    """The name the caller passed, else one derived from DATABASE_URL and the benchmark."""
    if requested:
        name = requested
    else:
        base = urlsplit(_server_url()).path.lstrip("/") or "installment_ledger"
        name = f"{base}_bench_{benchmark}"
    if len(name.encode()) > MAX_NAME:
        raise SystemExit(f"database name {name!r} is longer than {MAX_NAME} bytes; pass --database")
    return name


def database_url(name: str) -> str:
    """DATABASE_URL's server and credentials, with database `name`."""
    parts = urlsplit(_server_url())
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_url() -> str:
    """Where CREATE and DROP DATABASE run: BENCH_ADMIN_URL, else DATABASE_URL's server."""
    return os.environ.get("BENCH_ADMIN_URL") or database_url("postgres")


def scratch_database(name: str) -> None:
    """Create database `name` afresh, marked as a benchmark's. An existing one is dropped first
    only if it carries the mark; otherwise this refuses (`NotOurDatabase`) and changes nothing."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url(), autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
        if row is not None:
            if row[0] != MARK:
                raise NotOurDatabase(
                    f"database {name!r} exists and was not created by a benchmark; it is left "
                    "alone. Pass --database with another name (or drop it yourself)."
                )
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(MARK))
        )


def clone_scratch_database(source: str, name: str) -> None:
    """Database `name` afresh as a copy of benchmark database `source` (which must have no
    other session), marked as a benchmark's: two runs then start from the same book."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url(), autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [source],
        ).fetchone()
        if row is None or row[0] != MARK:
            raise NotOurDatabase(f"database {source!r} is not a benchmark's; it is not copied.")
    drop_scratch_database(name)
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            raise NotOurDatabase(f"database {name!r} exists and was not created by a benchmark.")
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(source)
            )
        )
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(MARK))
        )


def drop_scratch_database(name: str) -> None:
    """Drop database `name` if a benchmark created it; leave any other alone."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url(), autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
        if row is not None and row[0] == MARK:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def setup(db_name: str, *, fresh: bool = True) -> str:
    """Point Django at database `db_name` (with `fresh`, created afresh and migrated) and return
    its URL."""
    url = database_url(db_name)
    if fresh:
        scratch_database(db_name)
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()
    if fresh:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    return url


def peak_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def cpu_seconds() -> tuple[float, float | None]:
    """(this process's CPU seconds, its database backend's): on a shared machine CPU time moves
    far less with other people's load than wall time. The backend's is read from /proc, so only
    when the database runs on this machine (else None)."""
    import resource

    from django.db import connection

    usage = resource.getrusage(resource.RUSAGE_SELF)
    client = usage.ru_utime + usage.ru_stime
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return client, None
    return client, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def process_cpu(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) of each live process in `pids` and of its live descendants
    (each counted once, under the first of `pids` it descends from)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents, cpu = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
            cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    totals = dict.fromkeys(pids, 0.0)
    for pid, seconds in cpu.items():
        ancestor = pid
        while ancestor and ancestor not in totals:
            ancestor = parents.get(ancestor, 0)
        if ancestor:
            totals[ancestor] += seconds
    return totals


def database_backends_cpu(database: str) -> dict[int, float]:
    """CPU seconds of each live PostgreSQL backend connected to `database` (on this machine),
    by pid: compare two readings pid by pid (`cpu_delta`)."""
    import psycopg

    with psycopg.connect(admin_url(), autocommit=True) as conn:
        pids = [
            row[0]
            for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [database],
            )
        ]
    return process_cpu(pids)


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings by the processes alive at the second (one that
    started in between counts from zero)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def server_settings(*names: str) -> dict[str, str]:
    """The server's current value of each setting (as SHOW prints it)."""
    import psycopg

    with psycopg.connect(admin_url(), autocommit=True) as conn:
        return {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in names}


def checkpoints_requested() -> int:
    """Checkpoints the server started since its statistics were reset because WAL reached
    max_wal_size (not on its timer): each costs a full write of every dirty page, and a full
    page image in WAL of the next change to each page."""
    import psycopg

    with psycopg.connect(admin_url(), autocommit=True) as conn:
        return conn.execute("SELECT checkpoints_req FROM pg_stat_bgwriter").fetchone()[0]


@contextmanager
def max_wal_size(size: str | None) -> Iterator[None]:
    """With `size`: the server's max_wal_size set to it (ALTER SYSTEM and a reload; superuser
    only) for the block, and put back as it was after. The stock 1GB makes a big close
    checkpoint every few seconds; a server sized for the book would not."""
    import psycopg
    from psycopg import sql

    if not size:
        yield
        return
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        configured = conn.execute(
            "SELECT setting FROM pg_file_settings WHERE name = 'max_wal_size'"
            " AND sourcefile LIKE '%postgresql.auto.conf' AND applied"
        ).fetchone()
        conn.execute(sql.SQL("ALTER SYSTEM SET max_wal_size = {}").format(sql.Literal(size)))
        conn.execute("SELECT pg_reload_conf()")
    try:
        yield
    finally:
        with psycopg.connect(admin_url(), autocommit=True) as conn:
            if configured is None:
                conn.execute("ALTER SYSTEM RESET max_wal_size")
            else:
                conn.execute(
                    sql.SQL("ALTER SYSTEM SET max_wal_size = {}").format(sql.Literal(configured[0]))
                )
            conn.execute("SELECT pg_reload_conf()")


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if urlsplit(url).scheme not in ("postgres", "postgresql"):
        raise SystemExit(f"benchmarks run on PostgreSQL; DATABASE_URL is {url!r}")
    return url
