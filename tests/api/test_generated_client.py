"""The OpenAPI schema stays truthful: a Python client generated from it (openapi-python-client,
the generator an app team would use) is generated without a warning, then drives the live
server through a borrower's life: sign in, products, quote, apply, loan list and detail,
schedule (and its ETag), a repayment, transactions. Every response is parsed by the generated
models: a field the schema promises and the API does not send fails the parse, and one the API
sends that the schema does not name shows up as an additional property."""

import importlib
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

from ledger.services import business_date_current
from loans.models import Loan
from loans.services.disbursement import loan_disburse
from loans.services.origination import loan_approve
from tests.lifecycle.factories import make_product

from .conftest import PASSWORD, make_borrower_user

BIN = Path(sys.executable).parent
GENERATOR = BIN / "openapi-python-client"
PACKAGE = "il_generated_client"
pytestmark = pytest.mark.skipif(not GENERATOR.exists(), reason="openapi-python-client missing")


def json_only(schema: dict) -> dict:
    """The schema as a JSON client sees it: request bodies in ``application/json`` only (the
    API also parses forms; a generated client sends JSON, and openapi-python-client turns a
    body offered in three media types into an optional one)."""
    for operations in schema["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                for media_type in [name for name in content if name != "application/json"]:
                    del content[media_type]
    return schema


def generate_client(directory: Path):
    schema = json_only(SchemaGenerator().get_schema(request=None, public=True))
    path = directory / "openapi.json"
    path.write_text(json.dumps(schema, default=str))
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(path),
            "--output-path",
            str(directory / PACKAGE),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Warning" not in output and "Unable to process" not in output, output
    sys.path.insert(0, str(directory))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(directory))


def documented(model) -> None:
    """The parsed model and its nested models carry nothing the schema does not name."""
    assert model.additional_properties == {}, type(model).__name__


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_client_generated_from_the_schema_works_against_the_live_api(live_server, tmp_path):
    client_package = generate_client(tmp_path)
    api = importlib.import_module(f"{PACKAGE}.api")
    models = importlib.import_module(f"{PACKAGE}.models")
    auth = importlib.import_module(f"{PACKAGE}.api.auth.auth_token_create")
    products = importlib.import_module(f"{PACKAGE}.api.products.product_list")
    quotes = importlib.import_module(f"{PACKAGE}.api.quotes.quote_create")
    apply = importlib.import_module(f"{PACKAGE}.api.loans.loan_apply")
    loan_list = importlib.import_module(f"{PACKAGE}.api.loans.loan_list")
    loan_detail = importlib.import_module(f"{PACKAGE}.api.loans.loan_detail")
    schedule = importlib.import_module(f"{PACKAGE}.api.loans.loan_schedule")
    transactions = importlib.import_module(f"{PACKAGE}.api.loans.loan_transactions")
    repay = importlib.import_module(f"{PACKAGE}.api.payments.loan_repayment_create")
    assert api is not None

    product = make_product(code="gen-cash", allowed_terms=[3, 6])
    user, _ = make_borrower_user()
    anonymous = client_package.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    # sign in
    token = auth.sync(
        client=anonymous, body=models.TokenInput(username=user.username, password=PASSWORD)
    )
    assert isinstance(token, models.TokenOutput)
    me = client_package.AuthenticatedClient(
        base_url=live_server.url, token=token.token, prefix="Token", raise_on_unexpected_status=True
    )
    # products and a quote
    listed = products.sync(client=anonymous)
    assert product.code in [row.code for row in listed]
    for row in listed:
        documented(row)
    quote = quotes.sync(
        client=me, body=models.QuoteInput(product=product.code, principal="3000.00", term=3)
    )
    assert isinstance(quote, models.QuoteOutput), quote
    documented(quote)
    documented(quote.apr)
    assert len(quote.installments) == 3
    # apply as quoted
    applied = apply.sync(
        client=me,
        body=models.ApplyInput(
            product=product.code, principal="3000.00", term=3, disclosed_apr=quote.apr.nominal
        ),
    )
    assert isinstance(applied, models.LoanOutput), applied
    documented(applied)
    assert applied.status == "pending"
    # the lender approves and pays out
    today = business_date_current()
    loan = loan_approve(loan=Loan.objects.get(pk=applied.id), business_date=today, actor="staff")
    loan_disburse(loan=loan, business_date=today, actor="staff")
    # the loan as the app reads it
    page = loan_list.sync(client=me, status=[models.LoanListStatusItem("active")])
    assert [row.id for row in page.results] == [applied.id]
    detail_response = loan_detail.sync_detailed(applied.id, client=me)
    detail = detail_response.parsed
    assert isinstance(detail, models.LoanDetailOutput), detail
    for part in (detail, detail.balance, detail.next_installment, detail.apr, detail.product):
        documented(part)
    assert detail.next_installment.number == 1
    assert Decimal(detail.balance.principal) == Decimal("3000.00")
    rows = schedule.sync_detailed(applied.id, client=me)
    assert [row.number for row in rows.parsed] == [1, 2, 3]
    documented(rows.parsed[0])
    etag = rows.headers["etag"]
    unchanged = schedule.sync_detailed(applied.id, client=me, if_none_match=etag)
    assert unchanged.status_code == 304
    # a repayment, then the transactions
    paid = repay.sync(
        applied.id, client=me, body=models.RepaymentInput(amount="100.00"), idempotency_key="gen-1"
    )
    assert isinstance(paid, models.RepaymentOutput), paid
    documented(paid)
    history = transactions.sync(applied.id, client=me)
    assert "repayment" in [str(row.kind) for row in history.results]
    for row in history.results:
        documented(row)
