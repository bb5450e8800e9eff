"""Expected credit loss of the book (IFRS 9 5.5, CAS 22), loan by loan (`calc.ecl`).

* PD: the month-to-month roll rates between delinquency states counted from the month-end
  captures (`LoanMonthEnd`, consecutive month ends), per product (pooled over the book for a
  product without history); 91+ days past due and charge-offs are default, settled loans leave;
  each state's cumulative PD curve from the matrix, marginal PDs with the floor and the scenario
  overlay (`ECL_PD_FLOOR`, `ECL_SCENARIOS`).
* LGD: per product, from the book's own write-offs and what was recovered on them since
  (`lgd_estimates`: 1 − Σ recoveries ÷ Σ losses written off, over loans written off at least
  `ECL_LGD_WORKOUT_DAYS` before, floored at `ECL_LGD_FLOOR`); while a product has fewer than
  `ECL_LGD_MIN_WRITE_OFFS` such loans, the configured `ECL_LGD` per product code (its "default"
  for the rest).
* EAD: month by month from the schedule, the principal outstanding before each remaining
  installment, plus the interest accrued and unpaid in the first month.
* Stage from the close's staging (`LoanStage`; stage 1 before a loan's first staging); 12 months
  in stage 1, the remaining life in stage 2, LGD × today's exposure in stage 3; discounted at
  the loan's EIR (its contractual rate if it has none).

Reads are set-based (one query for the loans, one for their open installments, one for the
pairs of month ends not counted before: their roll counts are kept, `RollCount`); the curves are
computed once per product and state.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate, islice

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet

from calc.delinquency import bucket_for
from calc.ecl import (
    DEFAULT_STATE,
    Scenario,
    lgd_from_recoveries,
    loss_precision,
    loss_weights,
    marginal_pds,
    pd_term_structure,
    transition_matrix,
    weighted_sum,
)
from calc.money import Rounding, minor_unit_for
from compliance.models import MonthEndCapture, RollCount
from core.batch import cyclic_gc_paused
from core.db import stream_pushed
from core.money import ZERO
from ledger import chart
from ledger.selectors import journal_lines_sql
from loans.eod.common import accounts_by_id, loan_balances
from loans.models import Installment, Loan
from loans.posting_rules import WRITE_OFF_KIND

IFRS9, CN_FIVE_CATEGORY = "ifrs9", "cn_five_category"
SETTLED = "settled"
STATES = ("current", "1-30", "31-60", "61-90", SETTLED, DEFAULT_STATE)
DEFAULTED_BUCKETS = ("91-180", "180+")
OPEN = (Loan.Status.ACTIVE, Loan.Status.DELINQUENT)
MAX_MONTHS = 360


@dataclass(frozen=True)
class LoanEcl:
    loan_id: int
    product_id: int
    stage: int
    exposure: Decimal
    ecl: Decimal
    lgd: Decimal
    lgd_source: str


def provisioning_basis() -> str:
    """The basis the ledger's allowance follows for this lender (`PROVISIONING_BASIS`: one
    basis, or a mapping of lender to basis)."""
    basis = settings.PROVISIONING_BASIS
    if isinstance(basis, Mapping):
        basis = basis.get(settings.LEDGER_LENDER, CN_FIVE_CATEGORY)
    if basis not in (IFRS9, CN_FIVE_CATEGORY):
        raise ValueError(f"PROVISIONING_BASIS is {IFRS9} or {CN_FIVE_CATEGORY}, not {basis!r}")
    return basis


def state_of(status: str, bucket: str) -> str:
    if status == Loan.Status.CHARGED_OFF or bucket in DEFAULTED_BUCKETS:
        return DEFAULT_STATE
    if status in (Loan.Status.PAID_OFF, Loan.Status.CANCELLED, Loan.Status.CLOSED):
        return SETTLED
    return bucket


ROLL_SQL = """{pairs}
SELECT pair.before, pair.after, a.product_id, a.status, a.delinquency_bucket, b.status,
       b.delinquency_bucket, COUNT(*)
  FROM pair
  JOIN compliance_loanmonthend a ON a.month_end = pair.before
  JOIN compliance_loanmonthend b ON b.loan_id = a.loan_id AND b.month_end = pair.after
 WHERE a.status IN (%s, %s)
 GROUP BY pair.before, pair.after, a.product_id, a.status, a.delinquency_bucket, b.status,
       b.delinquency_bucket"""


def roll_counts(*, as_of: date, months: int = 24) -> dict[int | None, dict[tuple, int]]:
    """(from state, to state) counts per product id (None: the whole book) over the last
    `months` pairs of consecutive month-end captures on or before `as_of`. A pair is counted
    the first time it is asked for and kept (`RollCount`): a daily measure counts no month
    twice."""
    captures = list(
        MonthEndCapture.objects.filter(month_end__lte=as_of)
        .order_by("-month_end")
        .values_list("id", "month_end")[: months + 1]
    )[::-1]
    counts: dict[int | None, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    pairs = {(a[0], b[0]): (a[1], b[1]) for a, b in zip(captures[:-1], captures[1:], strict=True)}
    if not pairs:
        return counts
    kept = RollCount.objects.filter(before_id__in=[before for before, _ in pairs])
    rows = [
        row
        for row in kept.values_list(
            "before_id",
            "after_id",
            "product_id",
            "status",
            "bucket",
            "status_after",
            "bucket_after",
            "loans",
        )
        if (row[0], row[1]) in pairs
    ]
    counted = {(row[0], row[1]) for row in rows}
    missing = {pair: days for pair, days in pairs.items() if pair not in counted}
    if missing:
        rows += _roll_counts_count(missing)
    for _, _, product_id, status, bucket, status_after, bucket_after, n in rows:
        pair = (state_of(status, bucket), state_of(status_after, bucket_after))
        counts[product_id][pair] += n
        counts[None][pair] += n
    return counts


def _roll_counts_count(pairs: dict[tuple[int, int], tuple[date, date]]) -> list[tuple]:
    """Count the pairs of captures (ids → month ends) from the month-end rows, and keep the
    counts (a concurrent measure that counted them first wins: the counts are the same)."""
    ends = list(pairs.values())
    ids = {days: pair for pair, days in pairs.items()}
    if connection.vendor == "postgresql":
        with_pairs = (
            "WITH pair AS (SELECT * FROM unnest(%s::date[], %s::date[]) AS p(before, after))"
        )
        params = [[before for before, _ in ends], [after for _, after in ends]]
    else:  # the SQLite demo: the pairs as VALUES (dates are ISO text there)
        with_pairs = f"WITH pair(before, after) AS (VALUES {', '.join(['(%s, %s)'] * len(ends))})"
        params = [day for pair in ends for day in pair]
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(ROLL_SQL.format(pairs=with_pairs), [*params, *OPEN])
        for before, after, *rest in cursor.fetchall():
            if isinstance(before, str):
                before, after = date.fromisoformat(before), date.fromisoformat(after)
            rows.append((*ids[(before, after)], *rest))
    RollCount.objects.bulk_create(
        [
            RollCount(
                before_id=before,
                after_id=after,
                product_id=product_id,
                status=status,
                bucket=bucket,
                status_after=status_after,
                bucket_after=bucket_after,
                loans=n,
            )
            for before, after, product_id, status, bucket, status_after, bucket_after, n in rows
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    return rows


def _config() -> tuple[Decimal, list[Scenario], Mapping[str, Decimal]]:
    floor = Decimal(str(settings.ECL_PD_FLOOR))
    scenarios = [
        Scenario(name, Decimal(str(weight)), Decimal(str(multiplier)))
        for name, weight, multiplier in settings.ECL_SCENARIOS
    ]
    lgd = {code: Decimal(str(value)) for code, value in settings.ECL_LGD.items()}
    return floor, scenarios, lgd


LGD_HISTORY_SQL = """
WITH losses AS (
    SELECT jl.loan_id, SUM(jl.debit - jl.credit) AS loss
      FROM {lines} jl
      JOIN ledger_journalentry e ON e.id = jl.entry_id
      JOIN ledger_account a ON a.id = jl.account_id
     WHERE e.kind = %(kind)s AND jl.business_date <= %(cutoff)s
       AND a.code IN (%(allowance)s, %(impairment)s, %(expense)s) AND jl.loan_id IS NOT NULL
     GROUP BY jl.loan_id),
recovered AS (
    SELECT jl.loan_id, SUM(jl.credit - jl.debit) AS amount
      FROM {lines} jl JOIN ledger_account a ON a.id = jl.account_id
     WHERE a.code = %(recoveries)s AND jl.business_date <= %(as_of)s
       AND jl.loan_id IN (SELECT loan_id FROM losses)
     GROUP BY jl.loan_id)
SELECT p.code, COUNT(*), SUM(losses.loss), COALESCE(SUM(recovered.amount), 0)
  FROM losses
  JOIN loans_loan l ON l.id = losses.loan_id
  JOIN loans_product p ON p.id = l.product_id
  LEFT JOIN recovered ON recovered.loan_id = losses.loan_id
 WHERE losses.loss > 0
 GROUP BY p.code"""


def lgd_estimates(*, as_of: date, configured: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """The LGD per product code (see `lgd_table`)."""
    return {code: lgd for code, (lgd, _) in lgd_table(as_of=as_of, configured=configured).items()}


def lgd_table(*, as_of: date, configured: Mapping[str, Decimal]) -> dict[str, tuple[Decimal, str]]:
    """(LGD, where it came from) per product code, from the book's write-offs and recoveries up to `as_of`
    (`calc.ecl.lgd_from_recoveries`); products without enough history keep the configured
    value. A write-off's loss is what its entry charged to the allowance and to write-off
    expense net of allowance released (Dr 1304 − Cr 6701 + Dr 6711); recoveries are the cash
    booked to 6111 on the loan since."""
    floor = Decimal(str(settings.ECL_LGD_FLOOR))
    minimum = settings.ECL_LGD_MIN_WRITE_OFFS
    cutoff = as_of - timedelta(days=settings.ECL_LGD_WORKOUT_DAYS)
    default = configured.get("default", Decimal("0.45"))
    estimates = {code: (lgd, "configured") for code, lgd in configured.items()}
    with connection.cursor() as cursor:
        cursor.execute(
            LGD_HISTORY_SQL.format(lines=journal_lines_sql()),
            {
                "kind": WRITE_OFF_KIND,
                "cutoff": cutoff,
                "as_of": as_of,
                "allowance": chart.ALLOWANCE,
                "impairment": chart.CREDIT_IMPAIRMENT,
                "expense": chart.WRITE_OFF_EXPENSE,
                "recoveries": chart.RECOVERIES,
            },
        )
        for code, count, losses, recoveries in cursor.fetchall():
            estimates[code] = lgd_from_recoveries(
                written_off=count,
                losses=losses,
                recoveries=recoveries,
                fallback=configured.get(code, default),
                floor=floor,
                min_write_offs=minimum,
            )
    return estimates


class PdCurves:
    """Marginal PD curves per (product, state), computed once each, as long as the longest
    remaining life asked for (a curve's first months do not depend on its length)."""

    def __init__(self, counts, *, floor: Decimal, scenarios: list[Scenario]):
        self.counts, self.floor, self.scenarios = counts, floor, scenarios
        self._curves: dict[tuple, list[Decimal]] = {}

    def curve(self, product_id: int, state: str, months: int) -> list[Decimal]:
        key = (product_id, state)
        curve = self._curves.get(key)
        if curve is None or len(curve) < months:
            counts = self.counts.get(product_id) or self.counts.get(None) or {}
            matrix = transition_matrix(counts, STATES)
            cumulative = pd_term_structure(matrix, state, max(months, 12))
            curve = marginal_pds(cumulative, floor=self.floor, scenarios=self.scenarios)
            self._curves[key] = curve
        return curve


def ecl_measure(*, as_of: date, loans: Q | None = None) -> list[LoanEcl]:
    """Every open loan's ECL at `as_of` (after its close)."""
    with cyclic_gc_paused():  # a million loans' rows and decimals: a third of the time
        return list(ecl_stream(as_of=as_of, loans=loans))


class EclBasis:
    """What every loan's measure shares at `as_of`: the LGDs, the PD curves from the roll
    counts, and the loss weights of each set of terms, computed once for any number of
    `ecl_stream` calls."""

    def __init__(self, as_of: date):
        floor, scenarios, configured = _config()
        self.lgds = lgd_table(as_of=as_of, configured=configured)
        self.default_lgd = self.lgds.get("default", (Decimal("0.45"), "configured"))
        self.curves = PdCurves(roll_counts(as_of=as_of), floor=floor, scenarios=scenarios)
        self.weights: dict[tuple, tuple[Decimal, ...]] = {}


def ecl_stream(
    *, as_of: date, loans: Q | None = None, basis: EclBasis | None = None
) -> Iterator[LoanEcl]:
    """Each open loan's ECL at `as_of`, in loan id order, as the loans stream from the
    database (`_loans`): no statement may run on the connection until the last is read."""
    for loan_id, product_id, _, stage, exposure, ecl, lgd, lgd_source, _ in _measured(
        as_of=as_of, loans=loans, basis=basis, classified=False
    ):
        yield LoanEcl(loan_id, product_id, stage, exposure, ecl, lgd, lgd_source)


def ecl_classified_stream(
    *, as_of: date, loans: Q | None = None, basis: EclBasis | None = None
) -> Iterator[tuple]:
    """`ecl_stream` with what the regulator's five-category provision of each loan needs, as
    (product code, stage, exposure, ECL, LGD, LGD source, (product type, risk category,
    principal outstanding)), read in the loans' one query rather than looked up per loan."""
    for _, _, code, stage, exposure, ecl, lgd, lgd_source, classification in _measured(
        as_of=as_of, loans=loans, basis=basis, classified=True
    ):
        yield code, stage, exposure, ecl, lgd, lgd_source, classification


def _measured(
    *, as_of: date, loans: Q | None, basis: EclBasis | None, classified: bool
) -> Iterator[tuple]:
    """(loan id, product id, product code, stage, exposure, ECL, LGD, LGD source, the
    classification facts or ()) per open loan, in id order (`_loans`)."""
    basis = basis or EclBasis(as_of)
    open_loans = Loan.objects.filter(status__in=OPEN)
    if loans is not None:
        open_loans = open_loans.filter(loans)
    rows = _loans(open_loans, classified=classified)
    while chunk := list(islice(rows, STREAM_ROWS)):
        # a list, yielded outside the chunk's precision (which would hold in the caller's code)
        yield from _measured_chunk(chunk, basis)


def _measured_chunk(chunk: list[tuple], basis: EclBasis) -> list[tuple]:
    curves, lgds, default_lgd, weights = (
        basis.curves,
        basis.lgds,
        basis.default_lgd,
        basis.weights,
    )
    measured = []
    with loss_precision():
        for (
            loan_id,
            product_id,
            code,
            dpd,
            eir,
            rate,
            rounding,
            currency,
            held,
            profile,
            classification,
        ) in chunk:
            state = bucket_for(dpd)
            defaulted = state in DEFAULTED_BUCKETS
            stage = 3 if defaulted else (held or 1)
            profile = profile[:MAX_MONTHS]
            lgd, lgd_source = lgds.get(code, default_lgd)
            eir = eir if eir is not None else rate
            key = (product_id, state, stage, len(profile), lgd, eir)
            if key not in weights:
                pds = [] if stage == 3 else curves.curve(product_id, state, len(profile))
                weights[key] = loss_weights(
                    stage=stage, months=len(profile), marginal_pd=pds, lgd=lgd, annual_eir=eir
                )
            ecl = (
                _rounding(rounding, currency)(weighted_sum(weights[key], profile))
                if profile
                else ZERO
            )
            exposure = profile[0] if profile else ZERO
            measured.append(
                (loan_id, product_id, code, stage, exposure, ecl, lgd, lgd_source, classification)
            )
    return measured


@lru_cache(maxsize=64)
def _rounding(mode: str, currency: str) -> Rounding:
    return Rounding(mode, minor_unit_for(currency))


LOAN_FIELDS = (
    "id",
    "product_id",
    "product__code",
    "days_past_due",
    "effective_rate",
    "annual_rate",
    "rounding",
    "currency",
    "ecl_stage__stage",
)
CLASSIFICATION_FIELDS = ("id", "product__product_type", "risk_category")
LOANS_SQL = """
SELECT l.id, l.product_id, p.code, l.days_past_due, l.effective_rate, l.annual_rate,
       l.rounding, l.currency, s.stage, x.parts, x.accrued{classification}
  FROM loans_loan l
  JOIN loans_product p ON p.id = l.product_id
  LEFT JOIN compliance_loanstage s ON s.loan_id = l.id
  LEFT JOIN LATERAL (
       SELECT array_agg(i.principal_due - i.principal_paid ORDER BY i.due_date, i.number) parts,
              SUM(i.interest_accrued - i.interest_paid) accrued
         FROM loans_installment i
        WHERE i.loan_id = l.id AND i.status NOT IN ('cancelled', 'paid')) x ON true
 WHERE l.id IN ({loans})
 ORDER BY l.id"""
# The principal outstanding as `loan_balances` gives it: the stored totals of every account
# with the principal's code, each on its normal side (%s: the credit-normal ones, then all).
CLASSIFICATION_SQL = """,
       p.product_type, l.risk_category,
       COALESCE((SELECT SUM(CASE WHEN b.account_id = ANY(%s) THEN b.credit_total - b.debit_total
                                 ELSE b.debit_total - b.credit_total END)
                   FROM ledger_loanaccountbalance b
                  WHERE b.loan_id = l.id AND b.account_id = ANY(%s)), 0)"""
STREAM_ROWS = 2000


def _loans(open_loans: QuerySet, *, classified: bool = False) -> Iterator[tuple]:
    """Each loan's fields (`LOAN_FIELDS`), its exposure profile (`_profile`) and, when
    `classified`, its product type, risk category and principal outstanding (else ()), in id
    order. On PostgreSQL one query, streamed: the database computes the next rows while these
    are measured, and memory holds a few thousand rows, not the book."""
    if connection.vendor != "postgresql":
        yield from _loans_portable(open_loans, classified=classified)
        return
    sql, params = open_loans.values("id").query.sql_with_params()
    classification, accounts = "", []
    if classified:
        classification = CLASSIFICATION_SQL
        principal = {
            pk: credit_normal
            for pk, (code, credit_normal) in accounts_by_id().items()
            if code == chart.LOANS_PRINCIPAL
        }
        accounts = [[pk for pk, credit_normal in principal.items() if credit_normal], [*principal]]
    query = LOANS_SQL.format(loans=sql, classification=classification)
    # JIT compiling this plan takes a fifth of a second before the first row and saves nothing
    for row in stream_pushed(query, [*accounts, *params], rows=STREAM_ROWS, jit=False):
        parts = row[9]
        yield (*row[:9], _profile(parts, row[10]) if parts else [], row[11:])


def _loans_portable(open_loans: QuerySet, *, classified: bool = False) -> Iterator[tuple]:
    """`_loans` in the ORM (the SQLite demo), the profiles (and the classification facts)
    read first."""
    exposures = _exposures_portable(open_loans.values("id"))
    classifications = _classifications_portable(open_loans) if classified else {}
    for row in open_loans.order_by("id").values_list(*LOAN_FIELDS):
        yield (*row, exposures.get(row[0], []), classifications.get(row[0], ()))


def _classifications_portable(open_loans: QuerySet) -> dict[int, tuple[str, str, Decimal]]:
    principal = loan_balances(
        loans=Q(loan_id__in=open_loans.values("id")), codes=[chart.LOANS_PRINCIPAL]
    )
    return {
        loan_id: (
            product_type,
            category,
            principal.get(loan_id, {}).get(chart.LOANS_PRINCIPAL, ZERO),
        )
        for loan_id, product_type, category in open_loans.values_list(*CLASSIFICATION_FIELDS)
    }


def _exposures_portable(loan_ids: QuerySet) -> dict[int, list[Decimal]]:
    """Per loan (ids: a subquery), the exposure at the start of each remaining period."""
    rows = (
        Installment.objects.filter(loan_id__in=loan_ids)
        .exclude(status__in=(Installment.Status.CANCELLED, Installment.Status.PAID))
        .order_by("loan_id", "due_date", "number")
        .values_list(
            "loan_id", "principal_due", "principal_paid", "interest_accrued", "interest_paid"
        )
    )
    owed: dict[int, list[Decimal]] = defaultdict(list)
    accrued: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for loan_id, principal_due, principal_paid, interest_accrued, interest_paid in rows:
        owed[loan_id].append(principal_due - principal_paid)
        accrued[loan_id] += interest_accrued - interest_paid
    return {loan_id: _profile(parts, accrued[loan_id]) for loan_id, parts in owed.items()}


def _profile(parts: list[Decimal], accrued: Decimal) -> list[Decimal]:
    """The principal left before each open installment (its principal parts in order), the
    first with the interest accrued unpaid."""
    profile = list(accumulate(reversed(parts)))
    profile.reverse()
    profile[0] += accrued
    return profile
