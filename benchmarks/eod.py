"""End-of-day close throughput against PostgreSQL, next to the set-based SQL floor.

Builds N open loans in bulk (12-month equal-installment loans started over the past year, their
past installments paid, 2% of them one or two installments late; ledger balances opened with one
entry per loan, allowances provisioned, each loan's IFRS 9 stage as the day before left it), then runs one close of the business date in this process
with one worker, chunk after chunk. Prints seconds per step, loans per second and peak memory,
then times the floor: one UPDATE of the N loans plus an INSERT ... SELECT of 2N journal lines into
a scratch table. Also the CPU seconds the close used, in this process and in its database
backend: on a shared machine they move far less than wall time with other people's load. The last
line printed is a JSON object with the figures.

    python benchmarks/eod.py [--loans 100000] [--chunk-size 5000] [--database NAME]
                             [--co-lent-share 0.5] [--workers 1]

`--workers N`: the close is worked by N processes at once, each with its own connection, as the
Celery close's workers share a step's chunks under leases (the figures then include each
worker's peak RSS, and CPU summed over the workers and their backends).

`--max-wal-size SIZE`: the server's max_wal_size for the run, put back after (ALTER SYSTEM;
superuser). PostgreSQL's stock 1GB makes a million-loan close checkpoint every few seconds
(the JSON's ``checkpoints_forced``), each followed by full page images in WAL: the figures then
measure the server's configuration more than the close.

`--co-lent-share F`: that fraction of the loans is co-lent by the platform (30%) and two
partners (a bank 40%, a trust 30%, guaranteed, bought back at 90 days past due), their shares
written set-based before the close. After the close the partners' settlement statements and the
month-end loan-level files (CSV) of a partner and of the platform are timed too.
"""

import argparse
import json
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _django  # noqa: E402

ON = date(2026, 1, 1)  # LEDGER_INITIAL_BUSINESS_DATE in config.settings.test
PRINCIPAL = Decimal("12000.00")
RATE = Decimal("0.18")
TERM = 12
SPREAD_DAYS = 360
LATE_EVERY = 50
LATE_WINDOW_DAYS = 45
BORROWERS = 1_000
BUILD_CHUNK = 10_000


def build_portfolio(loans: int) -> None:
    from django.conf import settings
    from django.db import connection, transaction

    from ledger.partitions import add_months, journal_partitions_ensure, month_end
    from ledger.services import business_date_current
    from loans.models import Borrower, Loan, Product

    assert business_date_current() == ON
    # The monthly partitions the close keeps ahead of the business date, as on a lender's books.
    # Without them the book's lines would sit in the default partition and the first close's
    # journal step would move every one of them: a fresh install's one-off, not a day's work.
    ahead = add_months(ON, settings.LEDGER_PARTITIONS_AHEAD_MONTHS)
    journal_partitions_ensure(since=ON, through=month_end(ahead))
    product = Product.objects.create(
        code="bench-cash",
        name="Benchmark cash loan",
        method="equal_installment",
        annual_rate=RATE,
        penalty_rate=Decimal("0.27"),
        min_amount=Decimal("1000"),
        max_amount=Decimal("50000"),
        max_term=TERM,
    )
    borrowers = []
    for number in range(BORROWERS):
        borrower = Borrower(name=f"Bench borrower {number}")
        borrower.set_national_id(f"1101011990010{number:05d}")
        borrowers.append(borrower)
    Borrower.objects.bulk_create(borrowers)
    template = Loan.objects.create(
        reference="BENCH-TEMPLATE",
        borrower=borrowers[0],
        product=product,
        status=Loan.Status.ACTIVE,
        currency="CNY",
        principal=PRINCIPAL,
        annual_rate=RATE,
        term=TERM,
        method="equal_installment",
        frequency="monthly",
        day_count="act/360",
        rounding="half_up",
        penalty_rate=Decimal("0.27"),
        application_date=ON,
        start_date=ON,
        disbursed_on=ON,
        apr_nominal=RATE,
        apr_effective=RATE,
        apr_cap=Decimal("0.24"),
    )
    with transaction.atomic(), connection.cursor() as cursor:
        _insert_loans(cursor, template, loans, borrowers[0].id)
        _insert_installments(cursor, template.id)
        _settle_history(cursor, template.id)
    Loan.objects.filter(pk=template.pk).delete()
    _open_balances(loans)
    _stages_held()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE loans_loan")
        cursor.execute("VACUUM ANALYZE loans_installment")
        cursor.execute("VACUUM ANALYZE ledger_loanaccountbalance")
        cursor.execute("ANALYZE ledger_journalentry")
        cursor.execute("ANALYZE ledger_journalline")


def _insert_loans(cursor, template, loans: int, first_borrower: int) -> None:
    """Clone the template loan N times (every column of the model, whatever it holds)."""
    from loans.models import Loan

    overrides = {
        "reference": "'BENCH' || lpad(g::text, 8, '0')",
        "borrower_id": f"{first_borrower} + g %% {BORROWERS}",
        "start_date": f"%(on)s::date - (1 + g %% {SPREAD_DAYS})",
        "application_date": f"%(on)s::date - (1 + g %% {SPREAD_DAYS})",
        "disbursed_on": f"%(on)s::date - (1 + g %% {SPREAD_DAYS})",
    }
    columns = [f.column for f in Loan._meta.concrete_fields if f.column != "id"]
    select = ", ".join(overrides.get(column, f"t.{column}") for column in columns)
    cursor.execute(
        f"INSERT INTO loans_loan ({', '.join(columns)})"
        f" SELECT {select} FROM loans_loan t, generate_series(1, %(n)s) g WHERE t.id = %(t)s",
        {"on": ON, "n": loans, "t": template.id},
    )


def _insert_installments(cursor, template_id: int) -> None:
    """One schedule per start date (built by calc), joined onto the loans started then."""
    from calc.schedules import ScheduleTerms, build_schedule

    rows = []
    for offset in range(1, SPREAD_DAYS + 1):
        start = ON - timedelta(days=offset)
        schedule = build_schedule(
            ScheduleTerms(principal=PRINCIPAL, annual_rate=RATE, term=TERM, start_date=start)
        )
        for row in schedule.installments:
            rows.append(
                (
                    start,
                    row.number,
                    row.period_start,
                    row.due_date,
                    row.days_in_period,
                    row.principal,
                    row.interest,
                )
            )
    cursor.execute(
        "CREATE TEMP TABLE bench_schedule (start date, number int, period_start date,"
        " due_date date, days int, principal numeric, interest numeric)"
    )
    with cursor.cursor.copy("COPY bench_schedule FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(
        "INSERT INTO loans_installment (loan_id, number, period_start, due_date, days_in_period,"
        " principal_due, interest_due, fee_due, penalty_due, interest_accrued, fee_charged,"
        " principal_paid, interest_paid, fee_paid, penalty_paid, status)"
        " SELECT l.id, s.number, s.period_start, s.due_date, s.days, s.principal, s.interest,"
        " 0, 0, 0, 0, 0, 0, 0, 0, 'scheduled'"
        " FROM loans_loan l JOIN bench_schedule s ON s.start = l.start_date"
        " WHERE l.id <> %s ORDER BY l.id, s.number",
        [template_id],
    )
    cursor.execute(
        "UPDATE loans_loan l SET first_due_date = s.due_date, maturity_date = m.due_date"
        " FROM bench_schedule s, bench_schedule m"
        " WHERE s.start = l.start_date AND s.number = 1 AND m.start = l.start_date"
        f" AND m.number = {TERM} AND l.id <> %s",
        [template_id],
    )


def _settle_history(cursor, template_id: int) -> None:
    """Past installments paid (but a recent one or two of every 50th loan), today's interest
    recognized through yesterday; the late loans delinquent with their days past due."""
    late = f"l.id %% {LATE_EVERY} = 0 AND i.due_date >= %(on)s::date - {LATE_WINDOW_DAYS}"
    cursor.execute(
        "UPDATE loans_installment i SET"
        f" status = CASE WHEN {late} THEN 'due' ELSE 'paid' END,"
        " interest_accrued = i.interest_due,"
        f" principal_paid = CASE WHEN {late} THEN 0 ELSE i.principal_due END,"
        f" interest_paid = CASE WHEN {late} THEN 0 ELSE i.interest_due END,"
        f" paid_on = CASE WHEN {late} THEN NULL ELSE i.due_date END"
        " FROM loans_loan l WHERE l.id = i.loan_id AND i.due_date < %(on)s",
        {"on": ON},
    )
    cursor.execute(
        "UPDATE loans_installment SET interest_accrued ="
        " round(interest_due * (%(on)s::date - 1 - period_start) / days_in_period, 2)"
        " WHERE period_start < %(on)s::date - 1 AND due_date >= %(on)s",
        {"on": ON},
    )
    cursor.execute(
        "UPDATE loans_loan l SET status = 'delinquent', days_past_due = o.dpd,"
        " delinquency_bucket = CASE WHEN o.dpd <= 30 THEN '1-30' ELSE '31-60' END,"
        " risk_category = 'special_mention'"
        " FROM (SELECT loan_id, %(on)s::date - min(due_date) AS dpd FROM loans_installment"
        "       WHERE status = 'due' AND due_date < %(on)s GROUP BY loan_id) o"
        " WHERE o.loan_id = l.id",
        {"on": ON},
    )


def _stages_held() -> None:
    """Each loan's IFRS 9 stage as the previous day's close left it (a book in its steady state,
    not one staged for the first time): stage 1 performing, or 2 or 3 by its days past due."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO compliance_loanstage (loan_id, stage, reason, since, watch_list)"
            " SELECT id, CASE WHEN days_past_due >= 90 THEN 3 WHEN days_past_due >= 30 THEN 2"
            " ELSE 1 END, CASE WHEN days_past_due >= 90"
            " THEN days_past_due || ' days past due (backstop 90)' WHEN days_past_due >= 30"
            " THEN days_past_due || ' days past due (backstop 30)' ELSE 'performing' END,"
            " %s, false FROM loans_loan",
            [ON - timedelta(days=1)],
        )
        cursor.execute("VACUUM ANALYZE compliance_loanstage")


def _open_balances(loans: int) -> None:
    """Each loan's opening balances and allowance, posted through the ledger in chunks."""
    from django.db import connection, transaction

    from ledger.services import EntrySpec, LineSpec, entries_post_bulk

    last = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT l.id, l.risk_category, sum(i.principal_due - i.principal_paid),"
                " sum(i.interest_accrued - i.interest_paid)"
                " FROM loans_loan l JOIN loans_installment i ON i.loan_id = l.id"
                " WHERE l.id > %s GROUP BY l.id ORDER BY l.id LIMIT %s",
                [last, BUILD_CHUNK],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            specs = []
            for loan_id, category, principal, interest in rows:
                ratio = Decimal("0.02") if category == "special_mention" else Decimal("0.01")
                lines = [
                    LineSpec(account="1303", debit=principal, loan_id=loan_id),
                    LineSpec(account="1002", credit=principal),
                    LineSpec(
                        account="6701",
                        debit=(principal * ratio).quantize(Decimal("0.01")),
                        loan_id=loan_id,
                    ),
                    LineSpec(
                        account="1304",
                        credit=(principal * ratio).quantize(Decimal("0.01")),
                        loan_id=loan_id,
                    ),
                ]
                if interest:
                    lines += [
                        LineSpec(account="1132", debit=interest, loan_id=loan_id),
                        LineSpec(account="6011", credit=interest, loan_id=loan_id),
                    ]
                specs.append(
                    EntrySpec(
                        kind="opening",
                        business_date=ON,
                        idempotency_key=f"opening:{loan_id}",
                        lines=tuple(lines),
                    )
                )
            entries_post_bulk(specs=specs, actor="bench")
            last = rows[-1][0]


CO_LENT_SHARES = (("platform", "0.30"), ("bench-bank", "0.40"), ("bench-trust", "0.30"))


def co_lend(share: float) -> int:
    """Every loan whose id falls in the first `share` of each hundred is co-lent (set-based)."""
    from django.db import connection

    from funding.models import Funder

    for code, _ in CO_LENT_SHARES[1:]:
        Funder.objects.get_or_create(code=code, defaults={"name": code, "kind": "bank"})
    ids = dict(Funder.objects.values_list("code", "pk"))
    cut = int(round(share * 100))
    with connection.cursor() as cursor:
        for code, funder_share in CO_LENT_SHARES:
            cursor.execute(
                "INSERT INTO funding_loanfunding (loan_id, funder_id, share, bears_losses,"
                " guaranteed, buyback_days_past_due, valid_from, source)"
                " SELECT id, %s, %s, true, %s, 90, application_date, 'arrangement'"
                " FROM loans_loan WHERE id %% 100 < %s",
                [ids[code], Decimal(funder_share), code != "platform", cut],
            )
        cursor.execute("SELECT count(DISTINCT loan_id) FROM funding_loanfunding")
        count = cursor.fetchone()[0]
        cursor.execute("VACUUM ANALYZE funding_loanfunding")
    return count


def time_settlement_files() -> dict[str, float]:
    from funding.models import Funder
    from funding.selectors.files import funder_file_csv
    from funding.selectors.statements import settlement_statement

    out = {}
    for code in ("bench-bank", "platform"):
        funder = Funder.objects.get(code=code)
        started = time.perf_counter()
        size = rows = 0
        for chunk in funder_file_csv(funder=funder, as_of=ON):
            size += len(chunk)
            rows += chunk.count("\n")
        out[f"file_{code}_seconds"] = round(time.perf_counter() - started, 3)
        out[f"file_{code}_rows"] = rows - 1
        print(
            f"month-end file of {code}: {rows - 1} loans, {size:,} bytes, "
            f"{out[f'file_{code}_seconds']:.2f} s"
        )
    funder = Funder.objects.get(code="bench-bank")
    started = time.perf_counter()
    statement = settlement_statement(funder=funder, on=ON)
    out["statement_seconds"] = round(time.perf_counter() - started, 3)
    print(
        f"settlement statement of bench-bank for {ON}: net {statement.net_amount}, "
        f"{out['statement_seconds']:.2f} s"
    )
    return out


def run_close(chunk_size: int) -> tuple[float, dict[str, float], dict[str, float | None]]:
    from loans.eod import close_day_run, close_step_names
    from loans.models import CloseStepRun

    def progress(step: str, done: int, total: int) -> None:
        print(f"\r  {step:<13} chunk {done}/{total}   ", end="", flush=True)

    client_before, db_before = _django.cpu_seconds()
    started = time.perf_counter()
    run = close_day_run(business_date=ON, progress=progress, chunk_size=chunk_size)
    seconds = time.perf_counter() - started
    client_after, db_after = _django.cpu_seconds()
    print()
    steps = {name: 0.0 for name in close_step_names()}
    for step, millis in CloseStepRun.objects.filter(run=run).values_list("step", "duration_ms"):
        steps[step] += (millis or 0) / 1000
    cpu = {
        "client": round(client_after - client_before, 2),
        "database": None if db_before is None else round(db_after - db_before, 2),
    }
    return seconds, {name: round(value, 3) for name, value in steps.items()}, cpu


def _close_worker(results) -> None:
    """One close worker in its own process and connection: work the open close to its end."""
    from loans.eod.workers import close_work

    client_before, db_before = _django.cpu_seconds()
    done = close_work(business_date=ON)
    client_after, db_after = _django.cpu_seconds()
    database = None if db_before is None else db_after - db_before
    results.put((done.chunks, client_after - client_before, database, _django.peak_rss_mb()))


def run_close_on_workers(
    chunk_size: int, workers: int
) -> tuple[float, dict[str, float], dict[str, float | None], list[float]]:
    """The close worked by `workers` processes at once, as the Celery close's workers share its
    chunks (each takes a chunk under a lease; `loans.eod.workers.close_work`)."""
    import multiprocessing

    from django.db import connections

    from loans.eod.runner import close_run_open
    from loans.eod.steps import close_step_names
    from loans.models import CloseRun, CloseStepRun

    started = time.perf_counter()
    run = close_run_open(business_date=ON, chunk_size=chunk_size)
    connections.close_all()  # each child opens its own
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    processes = [context.Process(target=_close_worker, args=(results,)) for _ in range(workers)]
    for process in processes:
        process.start()
    reports = [results.get() for _ in processes]
    for process in processes:
        process.join()
        if process.exitcode:
            raise SystemExit(f"a close worker exited with {process.exitcode}")
    seconds = time.perf_counter() - started
    assert CloseRun.objects.get(pk=run.pk).status == "done"
    steps = {name: 0.0 for name in close_step_names()}
    for step, millis in CloseStepRun.objects.filter(run=run).values_list("step", "duration_ms"):
        steps[step] += (millis or 0) / 1000
    databases = [report[2] for report in reports]
    cpu = {
        "client": round(sum(report[1] for report in reports), 2),
        "database": None if None in databases else round(sum(databases), 2),
    }
    print(f"chunks per worker: {[report[0] for report in reports]}")
    return seconds, {k: round(v, 3) for k, v in steps.items()}, cpu, [r[3] for r in reports]


def sql_floor(loans: int) -> float:
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_eod_lines")
        cursor.execute("CREATE TABLE bench_eod_lines (LIKE ledger_journalline INCLUDING DEFAULTS)")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE loans_loan SET days_past_due = days_past_due + 0, updated_at = now()"
            " WHERE id IN (SELECT id FROM loans_loan ORDER BY id LIMIT %s)",
            [loans],
        )
        cursor.execute(
            "INSERT INTO bench_eod_lines (id, entry_id, account_id, loan_id, debit, credit,"
            " currency, business_date)"
            " SELECT g, g / 2, 1, g / 2, CASE WHEN g %% 2 = 0 THEN 1.23 ELSE 0 END,"
            " CASE WHEN g %% 2 = 1 THEN 1.23 ELSE 0 END, 'CNY', %s"
            " FROM generate_series(1, %s) g",
            [ON, 2 * loans],
        )
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_eod_lines")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--chunk-size", type=int, default=None)
    parser.add_argument("--co-lent-share", type=float, default=0.0)
    parser.add_argument("--workers", type=int, default=1, help="close worker processes")
    parser.add_argument(
        "--max-wal-size",
        help="the server's max_wal_size for the run (e.g. 16GB; superuser; put back after)",
    )
    _django.add_database_argument(parser)
    args = parser.parse_args()
    with _django.max_wal_size(args.max_wal_size):
        run(args)


def run(args: argparse.Namespace) -> None:
    _django.setup(_django.database_name(args.database, "eod"))
    from loans.eod import CHUNK_SIZE

    chunk_size = args.chunk_size or CHUNK_SIZE
    started = time.perf_counter()
    build_portfolio(args.loans)
    print(f"built {args.loans} open loans in {time.perf_counter() - started:.1f} s")
    co_lent = co_lend(args.co_lent_share) if args.co_lent_share else 0
    if co_lent:
        print(f"co-lent by the platform and two partners: {co_lent} loans")
    worker_rss = []
    server = _django.server_settings("max_wal_size", "shared_buffers")
    checkpoints = _django.checkpoints_requested()
    if args.workers > 1:
        seconds, steps, cpu, worker_rss = run_close_on_workers(chunk_size, args.workers)
    else:
        seconds, steps, cpu = run_close(chunk_size)
    checkpoints = _django.checkpoints_requested() - checkpoints
    for name, value in steps.items():
        print(f"  {name:<13} {value:8.3f} s")
    rate = args.loans / seconds
    print(f"close of {args.loans} loans: {seconds:.2f} s, {rate:,.0f} loans/s")
    print(f"CPU: {cpu['client']} s in this process, {cpu['database']} s in its database backend")
    print(
        f"server: max_wal_size {server['max_wal_size']}, shared_buffers "
        f"{server['shared_buffers']}; {checkpoints} checkpoints forced by WAL during the close"
    )
    files = time_settlement_files() if co_lent else {}
    floor = sql_floor(args.loans)
    print(f"SQL floor (UPDATE of N loans + INSERT ... SELECT of 2N lines): {floor:.2f} s")
    print(f"ratio to the floor: {seconds / floor:.1f}; peak RSS {_django.peak_rss_mb()} MB")
    print(
        json.dumps(
            {
                "loans": args.loans,
                "seconds": round(seconds, 3),
                "loans_per_second": round(rate, 1),
                "sql_floor_seconds": round(floor, 3),
                "ratio_to_floor": round(seconds / floor, 2),
                "peak_rss_mb": _django.peak_rss_mb(),
                "workers": args.workers,
                "worker_peak_rss_mb": worker_rss,
                "chunk_size": chunk_size,
                "co_lent_loans": co_lent,
                "settlement": files,
                "cpu_seconds": cpu,
                "server": server,
                "checkpoints_forced": checkpoints,
                "steps": steps,
            }
        )
    )


if __name__ == "__main__":
    main()
