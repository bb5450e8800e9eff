"""Factories for origination tests: products of every type, merchants, applications, decided
credit lines and the borrower data that passes (or fails) each rule."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from loans.models import Borrower, Product
from origination.identity import make_national_id
from origination.models import CreditLine, LoanApplication, Merchant, PolicyVersion
from origination.policy_default import DEFAULT_POLICY
from origination.services.applications import ApplicantData, application_decide, application_submit
from origination.services.drawdowns import DrawdownRequest, Payee, PledgedPolicy, drawdown_create
from origination.services.merchants import merchant_register
from origination.services.policies import policy_version_publish

TODAY = date(2026, 1, 15)
NOON = datetime(2026, 1, 15, 4, 0, tzinfo=UTC)
ACTOR = "tester"
_sequence = itertools.count(1)

PRODUCT_TYPES = {
    "ecommerce_installment": {
        "method": "flat_fee",
        "annual_rate": Decimal("0"),
        "fee_rate": Decimal("0.006"),
        "allowed_terms": [3, 6, 12],
    },
    "cash_loan": {"method": "equal_installment", "annual_rate": Decimal("0.18")},
    "balance_transfer": {
        "method": "equal_principal",
        "annual_rate": Decimal("0.144"),
        "upfront_fee_rate": Decimal("0.01"),
    },
    "policy_loan": {"method": "interest_only", "annual_rate": Decimal("0.10"), "max_term": 12},
    "scene_education": {"method": "equal_installment", "annual_rate": Decimal("0.096")},
    "scene_car": {"method": "equal_installment", "annual_rate": Decimal("0.12")},
    "scene_medical": {"method": "equal_installment", "annual_rate": Decimal("0.15")},
}


def make_product(product_type: str = "cash_loan", **overrides) -> Product:
    number = next(_sequence)
    fields = {
        "code": f"orig-{product_type.replace('_', '-')}-{number}",
        "name": f"{product_type} {number}",
        "product_type": product_type,
        "frequency": "monthly",
        "day_count": "act/360",
        "min_amount": Decimal("100"),
        "max_amount": Decimal("200000"),
        "min_term": 1,
        "max_term": 36,
        "penalty_rate": Decimal("0.18"),
        "cooling_off_days": 7,
        **PRODUCT_TYPES[product_type],
    }
    fields.update(overrides)
    return Product.objects.create(**fields)


def national_id(birth: date = date(1990, 3, 7), region: str = "110101") -> str:
    return make_national_id(region, birth, next(_sequence))


def make_borrower(name: str = "Li Na", birth: date = date(1990, 3, 7)) -> Borrower:
    borrower = Borrower(name=name)
    borrower.set_national_id(national_id(birth))
    borrower.set_mobile(f"139{next(_sequence):08d}")
    borrower.save()
    return borrower


def applicant_for(borrower: Borrower, **overrides) -> ApplicantData:
    fields = {
        "name": borrower.name,
        "national_id": borrower.national_id,
        "mobile": borrower.mobile,
        "monthly_income": Decimal("12000"),
        "residence_region": "11",
        "device_id": f"device-{borrower.pk}",
        "channel": "app",
    }
    fields.update(overrides)
    return ApplicantData(**fields)


def make_policy(**changes) -> PolicyVersion:
    """A new active version of the default policy with sections replaced by `changes`."""
    policy = {**DEFAULT_POLICY, **changes}
    return policy_version_publish(code="retail", policy=policy, actor=ACTOR)


def submit(
    borrower: Borrower | None = None,
    product: Product | None = None,
    *,
    amount: str = "20000",
    term: int = 12,
    consents=("credit_bureau", "data_processing"),
    submitted_at: datetime = NOON,
    kind: str = LoanApplication.Kind.CREDIT_LINE,
    collateral=None,
    **applicant,
) -> LoanApplication:
    borrower = borrower or make_borrower()
    return application_submit(
        borrower=borrower,
        product=product or make_product(),
        requested_amount=Decimal(amount),
        requested_term=term,
        purpose="consumption",
        applicant=applicant_for(borrower, **applicant),
        consents=consents,
        business_date=TODAY,
        submitted_at=submitted_at,
        kind=kind,
        collateral=collateral,
    )


def decide(application: LoanApplication, policy: PolicyVersion | None = None):
    return application_decide(
        application=application, business_date=TODAY, policy_version=policy, actor=ACTOR
    )


def open_line(product: Product | None = None, borrower: Borrower | None = None, **kwargs):
    """An approved application's credit line (the default policy approves this applicant)."""
    application = submit(borrower, product, **kwargs)
    decision = decide(application)
    assert decision.outcome == "approve", (decision.reason_codes, list(decision.steps.values()))
    return CreditLine.objects.get(application=application)


def make_merchant(kind: str = Merchant.Kind.ECOMMERCE) -> Merchant:
    number = next(_sequence)
    return merchant_register(
        code=f"merchant-{number}",
        name=f"Merchant {number}",
        kind=kind,
        settlement_account_masked="6222****0001",
    )


def draw(
    line: CreditLine, product: Product, amount: str, term: int = 12, *, key=None, on=TODAY, **kw
):
    payee = kw.pop("payee", None)
    if payee is None and product.product_type in ("cash_loan", "policy_loan"):
        payee = Payee(name="Li Na", account_masked="6217****1234")
    if payee is None and product.product_type == "balance_transfer":
        payee = Payee(name="China Merchants Bank card center", account_masked="4392****8888")
    request = DrawdownRequest(product=product, amount=Decimal(amount), term=term, payee=payee, **kw)
    return drawdown_create(
        line=line,
        request=request,
        business_date=on,
        actor=ACTOR,
        idempotency_key=key or f"draw-{next(_sequence)}",
    )


def pledged(cash_value: str = "100000") -> PledgedPolicy:
    return PledgedPolicy(
        insurer="Ping An Life",
        policy_number=f"PA{next(_sequence):08d}",
        cash_value=Decimal(cash_value),
        valued_on=TODAY - timedelta(days=3),
    )
