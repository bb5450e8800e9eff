"""Shared set-up for benchmarks: a fresh PostgreSQL database of their own, migrated."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def scratch_name(suffix: str) -> str:
    """A benchmark's database named after DATABASE_URL's, so that runs side by side (one per
    DATABASE_URL) never share one."""
    from urllib.parse import urlparse

    base = urlparse(os.environ.get("DATABASE_URL", "")).path.lstrip("/") or "il"
    return f"{base}_{suffix}"


def setup(db_name: str, *, fresh: bool = True) -> str:
    """Point Django at database `db_name` (created fresh and migrated) and return its URL."""
    import psycopg

    url = f"postgres://postgres@127.0.0.1:5432/{db_name}"
    if fresh:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{db_name}"')
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
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
