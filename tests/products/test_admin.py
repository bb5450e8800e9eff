import json
from decimal import Decimal

import pytest
from django.urls import reverse

from demo.products import demo_products_load
from loans.admin.products import ProductAdmin, sample_amount
from loans.models import Product

from .conftest import BUSINESS_DATE, make_product, product_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    return {item.product.code: item.product for item in demo_products_load(on_date=BUSINESS_DATE)}


def form_data(**overrides) -> dict[str, str]:
    """The change form's POST body for a product."""
    fields = {
        **{field.name: field.default for field in Product._meta.fields if field.has_default()},
        **product_fields(**overrides),
    }
    data = {}
    editable = [
        name
        for _, options in ProductAdmin.fieldsets
        for name in options["fields"]
        if name not in ProductAdmin.readonly_fields
    ]
    for name in editable:
        value = fields.get(name, "")
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, (list, dict)):
            data[name] = json.dumps(value)
        elif callable(value):
            data[name] = json.dumps(value())
        else:
            data[name] = str(value)
    return data


def test_changelist_lists_the_products(admin_client, demo):
    response = admin_client.get(reverse("admin:loans_product_changelist"))
    assert response.status_code == 200
    content = response.content.decode()
    for code in demo:
        assert code in content
    assert "12.00%–24.00% by score" in content  # the cash loan's bands
    assert "fee 0.60% / period" in content


def test_change_page_shows_fieldsets_worst_case_and_schedule_preview(admin_client, demo):
    product = demo["ecommerce-installment"]
    response = admin_client.get(reverse("admin:loans_product_change", args=[product.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    for heading in ("Identity", "Pricing", "Fees", "Amounts &amp; terms", "Overdue",
                    "Schedule rules", "Compliance", "Schedule preview"):  # fmt: skip
        assert heading in content
    # the worst case: the 12-month plan, within the 24% cap
    assert "within the cap ✓" in content and "term 12" in content
    # the sample: 20000.00 over the shortest term (3 months), 0.6% a month = 120.00 a month
    assert 'class="schedule-preview"' in content
    assert "20000.00 CNY over 3 monthly periods" in content
    assert content.count("<td>120.00</td>") == 3
    assert "APR (annualized rate by the IRR method (China))" in content
    assert "CN-licensed-24" in content


def test_add_page_renders(admin_client):
    response = admin_client.get(reverse("admin:loans_product_add"))
    assert response.status_code == 200
    assert "Save the product to see a sample schedule." in response.content.decode()


def test_adding_a_compliant_product_through_the_admin(admin_client):
    response = admin_client.post(reverse("admin:loans_product_add"), form_data())
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Product.objects.get(code="test-cash").annual_rate == Decimal("0.18")


def test_an_over_the_cap_product_is_a_form_error_with_the_figures(admin_client):
    response = admin_client.post(
        reverse("admin:loans_product_add"), form_data(annual_rate=Decimal("0.30"))
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "errornote" in content
    assert "worst-case APR 30.0" in content and "cap 24.0000%" in content
    assert "CN-licensed-24" in content
    assert not Product.objects.filter(code="test-cash").exists()


def test_field_rules_are_shown_on_their_fields(admin_client):
    response = admin_client.post(
        reverse("admin:loans_product_add"),
        form_data(allowed_terms=[3, 24], allocation_order=["principal"]),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "outside the range" in errors["allowed_terms"][0]
    assert "exactly once" in errors["allocation_order"][0]


def test_a_saved_product_over_a_moved_cap_says_so_in_the_preview(admin_client, demo):
    # given a product saved under the 24% rule, then pointed at the 4 × LPR (12%) rule
    Product.objects.filter(code="cash-loan").update(cap_rule="CN-private-4xLPR")
    product = Product.objects.get(code="cash-loan")
    content = admin_client.get(
        reverse("admin:loans_product_change", args=[product.pk])
    ).content.decode()
    assert "OVER THE CAP ✗" in content


def test_sample_amount_is_a_round_number_in_range():
    assert sample_amount(make_product(min_amount=Decimal("100.00"))) == Decimal("20000.00")
    assert sample_amount(
        make_product(min_amount=Decimal("500.00"), max_amount=Decimal("200000.00"))
    ) == Decimal("100000.00")
    assert sample_amount(
        make_product(min_amount=Decimal("1.00"), max_amount=Decimal("1.00"))
    ) == Decimal("1.00")
