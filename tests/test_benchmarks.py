"""Benchmarks use the database the caller names, or one named after DATABASE_URL, and never drop
a database that no benchmark created (issue 23, item 7). No benchmark runs here."""

import ast
import importlib.util
import re
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
DATABASE_DDL = re.compile(r"\b(CREATE|DROP)\s+DATABASE\b", re.IGNORECASE)
SCRIPTS = sorted(p for p in BENCHMARKS.glob("*.py") if not p.name.startswith("_"))


def _load_helper():
    spec = importlib.util.spec_from_file_location("benchmarks_django", BENCHMARKS / "_django.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _load_helper()


def test_the_name_is_derived_from_database_url(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://alice:pw@db.example:6543/il_alice")
    monkeypatch.delenv("BENCH_ADMIN_URL", raising=False)
    name = bench.database_name(None, "eod")
    assert name == "il_alice_bench_eod"
    assert bench.database_url(name) == "postgres://alice:pw@db.example:6543/il_alice_bench_eod"
    assert bench.admin_url() == "postgres://alice:pw@db.example:6543/postgres"


def test_the_name_the_caller_passes_is_used_as_given(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://alice@db.example/il_alice")
    assert bench.database_name("scratch_for_today", "eod") == "scratch_for_today"


def test_a_database_url_that_is_not_postgresql_is_refused(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///db.sqlite3")
    with pytest.raises(SystemExit, match="PostgreSQL"):
        bench.database_name(None, "eod")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_no_benchmark_names_or_drops_a_database_itself(script):
    tree = ast.parse(script.read_text())
    calls = {
        node.func.attr: node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "_django"
    }
    statements = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and DATABASE_DDL.search(node.value)
    ]
    assert statements == [], "databases are created and dropped by _django only"
    if "setup" in calls:
        assert "add_database_argument" in calls and "database_name" in calls
        assert not isinstance(calls["setup"].args[0], ast.Constant)


@pytest.fixture
def server(monkeypatch):
    """The suite's PostgreSQL server, with DATABASE_URL pointing at it as a benchmark's would."""
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST']}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("BENCH_ADMIN_URL", raising=False)
    return settings["NAME"]


def _exists(name: str) -> bool:
    with psycopg.connect(bench.admin_url()) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


@pytest.mark.django_db
def test_a_database_no_benchmark_created_is_never_dropped(server):
    # The suite's own database: it exists, and no benchmark made it.
    with pytest.raises(bench.NotOurDatabase, match="was not created by a benchmark"):
        bench.scratch_database(server)
    bench.drop_scratch_database(server)
    assert _exists(server)


@pytest.mark.django_db
def test_a_benchmarks_own_database_is_created_marked_and_rebuilt(server):
    name = bench.database_name(None, "selftest")
    bench.drop_scratch_database(name)  # a leftover of an interrupted run, if any
    try:
        bench.scratch_database(name)
        with psycopg.connect(bench.database_url(name), autocommit=True) as conn:
            conn.execute("CREATE TABLE left_by_a_run (id int)")
        bench.scratch_database(name)
        with psycopg.connect(bench.database_url(name)) as conn:
            assert conn.execute("SELECT to_regclass('left_by_a_run')").fetchone()[0] is None
    finally:
        bench.drop_scratch_database(name)
    assert not _exists(name)


def _max_wal_size_becomes(value: str) -> bool:
    """A reload reaches new sessions a moment after it is asked for."""
    for _ in range(50):
        if bench.server_settings("max_wal_size")["max_wal_size"] == value:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db
def test_max_wal_size_is_the_one_asked_for_during_the_run_and_put_back_after(server):
    before = bench.server_settings("max_wal_size")["max_wal_size"]
    asked = "3GB" if before != "3GB" else "4GB"
    with bench.max_wal_size(asked):
        assert _max_wal_size_becomes(asked)
    assert _max_wal_size_becomes(before)
    with bench.max_wal_size(None):
        assert bench.server_settings("max_wal_size")["max_wal_size"] == before
