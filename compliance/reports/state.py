"""Each loan's state at the end of a business date D, as a SQL relation the reports build on.

Balances always come from the ledger as of D: the stored per-(account, loan) totals less the
lines booked after D (or, for a date long past, the lines up to D summed), so they equal the
ledger on that date whatever happened since. Status, days past due and risk category come from
the best record of D there is (`source_for`):

1. ``month_end``  — the loan's `LoanMonthEnd` row, stored when month D closed;
2. ``snapshot``   — the close's `PortfolioSnapshot` of D (counts and balances by product, status,
   bucket and category: enough for aging and classification, not for per-loan reports);
3. ``live``       — the loan row itself, when D is the date being closed (the close calling
   `month_end_capture` before it advances the date): the close has just written it;
4. ``reconstructed`` — rebuilt from history: status from the transition log (a status changed
   after D is rolled back), days past due from the oldest installment unpaid at D counted the
   way the close counts them (after the grace days), the category from the product type's
   classification policy. An installment is unpaid at D if repayments booked up to D left
   something owed on it (`installments_at_sql`), as the close saw it that night. The scenario
   tests check that this rebuilds the close's own snapshots and month-end captures.

The relation's columns: loan_id, product_id, product_type, status, dpd, bucket, risk_category,
and the balances of `sql.BALANCE_COLUMNS` (normal side).
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from calc.classification import DEFAULT_POLICY, Category
from calc.delinquency import BUCKETS
from compliance.models import MonthEndCapture
from compliance.selectors import classification_policies
from ledger.selectors import journal_lines_sql
from ledger.services import business_date_current
from loans.models import PortfolioSnapshot

from .base import OPEN_STATUSES
from .scope import shared
from .sql import BALANCE_COLUMNS, CREDIT_NORMAL, Sql, account_sides, days_between, fetch_all

ROLL_BACK_DAYS = 62
"""Balances of a date at most this far back are the stored totals less the later lines; older
ones sum the lines up to the date (fewer rows to read either way)."""

BUCKET_NAMES = tuple(name for _, name in BUCKETS)


class Source(StrEnum):
    MONTH_END = "month_end"
    SNAPSHOT = "snapshot"
    LIVE = "live"
    RECONSTRUCTED = "reconstructed"


def source_for(as_of: date, *, per_loan: bool, today: date | None = None) -> Source:
    """Where the state of `as_of` comes from (see the module docstring)."""
    today = today or business_date_current()
    if MonthEndCapture.objects.filter(month_end=as_of).exists():
        return Source.MONTH_END
    if not per_loan and PortfolioSnapshot.objects.filter(business_date=as_of).exists():
        return Source.SNAPSHOT
    return loans_source(as_of, today=today)


def loans_source(as_of: date, *, today: date) -> Source:
    """Live or reconstructed: where the state of `as_of` comes from when nothing was stored.
    The loan rows are read as they are only while `as_of` is the date being closed: once the
    business date has moved on, a repayment may already have changed a loan's days past due."""
    return Source.LIVE if as_of >= today else Source.RECONSTRUCTED


def bucket_case(dpd: str) -> str:
    """The close's delinquency bucket of a days-past-due expression (`loans.eod.delinquency`)."""
    whens = [
        f"WHEN {dpd} <= {int(highest)} THEN '{name}'"
        for highest, name in BUCKETS
        if highest is not None
    ]
    return f"(CASE {' '.join(whens)} ELSE '{BUCKETS[-1][1]}' END)"


def risk_case(product_type: str, dpd: str) -> Sql:
    """The five-category class of a loan from its days past due, per its product type's
    policy (`calc.classification`; rules per product type in `ClassificationRule`)."""
    policies = shared("classification_policies", classification_policies)

    def one(policy) -> str:
        return (
            f"(CASE WHEN {dpd} > {int(policy.loss_after)} THEN 'loss'"
            f" WHEN {dpd} > {int(policy.doubtful_after)} THEN 'doubtful'"
            f" WHEN {dpd} > {int(policy.substandard_after)} THEN 'substandard'"
            f" WHEN {dpd} > {int(policy.special_mention_after)} THEN 'special_mention'"
            " ELSE 'normal' END)"
        )

    params, whens = {}, []
    for index, (kind, policy) in enumerate(sorted(policies.items())):
        params[f"risk_type_{index}"] = kind
        whens.append(f"WHEN {product_type} = %(risk_type_{index})s THEN {one(policy)}")
    default = one(DEFAULT_POLICY)
    if not whens:
        return Sql(default, params)
    return Sql(f"(CASE {' '.join(whens)} ELSE {default} END)", params)


def ratio_case(product_type: str, category: str) -> Sql:
    """The provision ratio of a (product type, category) pair, as a SQL expression."""
    policies = shared("classification_policies", classification_policies)
    params: dict = {}

    def one(prefix: str, policy) -> str:
        whens = []
        for member in Category:
            name = f"{prefix}_{member.value}"
            params[name] = policy.ratio(member)
            whens.append(f"WHEN {category} = '{member.value}' THEN %({name})s")
        return f"(CASE {' '.join(whens)} ELSE 0 END)"

    whens = []
    for index, (kind, policy) in enumerate(sorted(policies.items())):
        params[f"ratio_type_{index}"] = kind
        whens.append(
            f"WHEN {product_type} = %(ratio_type_{index})s THEN {one(f'ratio_{index}', policy)}"
        )
    default = one("ratio_default", DEFAULT_POLICY)
    if not whens:
        return Sql(default, params)
    return Sql(f"(CASE {' '.join(whens)} ELSE {default} END)", params)


def balances_sql(as_of: date, currency: str, *, today: date | None = None) -> Sql:
    """Per loan, its balances at the end of `as_of` (normal side), one row per loan."""
    today = today or business_date_current()
    ids = account_sides(currency)
    id_list = ", ".join(str(int(pk)) for pk in ids.values())
    columns = []
    for name, code in BALANCE_COLUMNS:
        sign = "-" if code in CREDIT_NORMAL else ""
        columns.append(
            f"{sign}SUM(CASE WHEN x.account_id = {int(ids[code])} THEN x.net ELSE 0 END) AS {name}"
        )
    if (today - as_of).days > ROLL_BACK_DAYS:
        moves = f"""
            SELECT loan_id, account_id, debit - credit AS net FROM {journal_lines_sql()} jl
             WHERE business_date <= %(as_of)s AND loan_id IS NOT NULL
               AND account_id IN ({id_list})"""
    else:
        moves = f"""
            SELECT loan_id, account_id, debit_total - credit_total AS net
              FROM ledger_loanaccountbalance WHERE account_id IN ({id_list})
            UNION ALL
            SELECT loan_id, account_id, credit - debit AS net
              FROM {journal_lines_sql(since=as_of + timedelta(days=1))} jl
             WHERE business_date > %(as_of)s AND loan_id IS NOT NULL
               AND account_id IN ({id_list})"""
    text = f"SELECT x.loan_id, {', '.join(columns)} FROM ({moves}) x GROUP BY x.loan_id"
    return Sql(text, {"as_of": as_of})


def _first_transition_after() -> str:
    return """
        SELECT t.loan_id, t.from_status FROM loans_loantransition t
          JOIN (SELECT loan_id, MIN(id) AS first_id FROM loans_loantransition
                 WHERE business_date > %(as_of)s GROUP BY loan_id) f ON f.first_id = t.id"""


def installments_at_sql() -> str:
    """Every installment due by the date with what was owed on it then (principal, interest
    and fee): what it owes now plus what repayments booked after the date paid on it, so a
    payment booked later, even one with an earlier value date, leaves the date as it was. An
    installment completed after the date by no recorded allocation (an imported schedule) owed
    all of it."""
    parts = ("principal", "interest", "fee")
    owed_now = " + ".join(f"i.{part}_due - i.{part}_paid" for part in parts)
    due = " + ".join(f"i.{part}_due" for part in parts)
    return f"""
        SELECT i.loan_id, i.due_date, i.paid_on,
               CASE WHEN i.paid_on > %(as_of)s AND la.later IS NULL AND {owed_now} = 0
                    THEN {due} ELSE {owed_now} + COALESCE(la.later, 0) END AS owed
          FROM loans_installment i
          LEFT JOIN (SELECT a.installment_id, SUM(a.amount) AS later
                       FROM loans_allocation a JOIN loans_repayment r ON r.id = a.repayment_id
                      WHERE a.active = %(active)s AND r.business_date > %(as_of)s
                        AND a.component <> 'penalty'
                      GROUP BY a.installment_id) la ON la.installment_id = i.id
         WHERE i.status <> 'cancelled' AND i.due_date <= %(as_of)s"""


def _oldest_unpaid() -> str:
    return f"""
        SELECT ia.loan_id, MIN(ia.due_date) AS oldest FROM ({installments_at_sql()}) ia
         WHERE ia.due_date < %(as_of)s AND ia.owed > 0
         GROUP BY ia.loan_id"""


def loan_state_sql(
    as_of: date,
    *,
    currency: str,
    product: str | None = None,
    source: Source | None = None,
    today: date | None = None,
) -> tuple[Sql, Source]:
    """The per-loan state relation of `as_of` (every loan disbursed by then) and its source."""
    today = today or business_date_current()
    source = source or source_for(as_of, per_loan=True, today=today)
    balance_names = [name for name, _ in BALANCE_COLUMNS]
    params: dict = {"as_of": as_of, "currency": currency}
    product_filter = ""
    if product:
        product_filter = " AND p.code = %(product)s"
        params["product"] = product
    if source is Source.MONTH_END:
        balances = ", ".join(f"m.{name}" for name in balance_names)
        text = f"""
            SELECT m.loan_id, m.product_id, p.product_type, m.status, m.days_past_due AS dpd,
                   m.delinquency_bucket AS bucket, m.risk_category, {balances}
              FROM compliance_loanmonthend m JOIN loans_product p ON p.id = m.product_id
             WHERE m.month_end = %(as_of)s AND m.currency = %(currency)s{product_filter}"""
        return Sql(text, params), source
    if source is Source.SNAPSHOT:
        raise ValueError("a snapshot holds no per-loan state")
    balances = balances_sql(as_of, currency, today=today)
    params.update(balances.params)
    status = "COALESCE(t.from_status, l.status)"
    open_list = ", ".join(f"'{value}'" for value in OPEN_STATUSES)
    oldest_join = ""
    if source is Source.LIVE:
        dpd = "l.days_past_due"
    else:
        late = f"{days_between('%(as_of)s', 'o.oldest')} - l.grace_days"
        dpd = (
            f"(CASE WHEN {status} NOT IN ({open_list}) THEN l.days_past_due"
            f" WHEN o.oldest IS NULL THEN 0 WHEN {late} > 0 THEN {late} ELSE 0 END)"
        )
        oldest_join = f"LEFT JOIN ({_oldest_unpaid()}) o ON o.loan_id = l.id"
        params["active"] = True
    inner_balances = ", ".join(f"COALESCE(b.{name}, 0) AS {name}" for name in balance_names)
    inner = f"""
        SELECT l.id AS loan_id, l.product_id, p.product_type, {status} AS status, {dpd} AS dpd,
               l.risk_category AS live_risk, {inner_balances}
          FROM loans_loan l
          JOIN loans_product p ON p.id = l.product_id
          LEFT JOIN ({balances.text}) b ON b.loan_id = l.id
          LEFT JOIN ({_first_transition_after()}) t ON t.loan_id = l.id
          {oldest_join}
         WHERE l.currency = %(currency)s AND l.disbursed_on IS NOT NULL
           AND l.disbursed_on <= %(as_of)s{product_filter}"""
    if source is Source.LIVE:
        risk = "s.live_risk"
    else:
        policy = risk_case("s.product_type", "s.dpd")
        params.update(policy.params)
        risk = f"(CASE WHEN s.status IN ({open_list}) THEN {policy.text} ELSE s.live_risk END)"
    outer_balances = ", ".join(f"s.{name}" for name in balance_names)
    text = f"""
        SELECT s.loan_id, s.product_id, s.product_type, s.status, s.dpd,
               {bucket_case("s.dpd")} AS bucket, {risk} AS risk_category, {outer_balances}
          FROM ({inner}) s"""
    return Sql(text, params), source


def in_portfolio(alias: str) -> str:
    """Loans a portfolio report counts: open, or holding any balance."""
    open_list = ", ".join(f"'{value}'" for value in OPEN_STATUSES)
    held = " OR ".join(f"{alias}.{name} <> 0" for name, _ in BALANCE_COLUMNS)
    return f"({alias}.status IN ({open_list}) OR {held})"


GROUPED_COLUMNS = (
    "product_code",
    "status",
    "bucket",
    "risk_category",
    "loans",
    *(name for name, _ in BALANCE_COLUMNS),
    "provision_required",
)


def grouped_state_sql(
    as_of: date, *, currency: str, product: str | None = None, today: date | None = None
) -> tuple[Sql, Source]:
    """The portfolio of `as_of` grouped by product, status, bucket and risk category, with
    counts, balance sums and the provision required (`GROUPED_COLUMNS`), ordered."""
    today = today or business_date_current()
    source = source_for(as_of, per_loan=False, today=today)
    balance_names = [name for name, _ in BALANCE_COLUMNS]
    if source is Source.SNAPSHOT:
        snapshot_columns = {
            "principal": "principal_outstanding",
            "interest": "interest_receivable",
            "fees": "fees_receivable",
            "penalty": "penalty_receivable",
            "suspense": "interest_suspense",
            "allowance": "allowance",
        }
        ratio = ratio_case("p.product_type", "ps.risk_category")
        params = {"as_of": as_of, "currency": currency, **ratio.params}
        product_filter = ""
        if product:
            product_filter = " AND p.code = %(product)s"
            params["product"] = product
        sums = ", ".join(f"ps.{snapshot_columns[name]} AS {name}" for name in balance_names)
        inner = f"""
            SELECT p.code AS product_code, ps.status, ps.delinquency_bucket AS bucket,
                   ps.risk_category, ps.loan_count AS loans, {sums},
                   CASE WHEN ps.principal_outstanding > 0
                        THEN ROUND(ps.principal_outstanding * {ratio.text}, 2) ELSE 0 END
                        AS provision_required
              FROM loans_portfoliosnapshot ps JOIN loans_product p ON p.id = ps.product_id
             WHERE ps.business_date = %(as_of)s AND ps.currency = %(currency)s{product_filter}"""
        text = f"SELECT * FROM ({inner}) g WHERE {in_portfolio('g')}"
        text += " ORDER BY product_code, status, bucket, risk_category"
        return Sql(text, params), source
    per_loan, source = loan_state_sql(
        as_of, currency=currency, product=product, source=source, today=today
    )
    ratio = ratio_case("s.product_type", "s.risk_category")
    sums = ", ".join(f"SUM(s.{name})" for name in balance_names)
    text = f"""
        SELECT p.code, s.status, s.bucket, s.risk_category, COUNT(*), {sums},
               SUM(CASE WHEN s.principal > 0 THEN ROUND(s.principal * {ratio.text}, 2) ELSE 0 END)
          FROM ({per_loan.text}) s JOIN loans_product p ON p.id = s.product_id
         WHERE {in_portfolio("s")}
         GROUP BY p.code, s.status, s.bucket, s.risk_category
         ORDER BY p.code, s.status, s.bucket, s.risk_category"""
    return Sql(text, {**per_loan.params, **ratio.params}), source


def grouped_state_rows(
    as_of: date, *, currency: str, product: str | None = None
) -> tuple[list[tuple], Source]:
    """The rows of `grouped_state_sql` and their source, read once per `reports_scope` (the
    aging and classification reports of a date read the same)."""

    def read() -> tuple[list[tuple], Source]:
        today = shared("business_date", business_date_current)
        query, source = grouped_state_sql(as_of, currency=currency, product=product, today=today)
        return fetch_all(query), source

    return shared(("grouped_state", as_of, currency, product), read)
