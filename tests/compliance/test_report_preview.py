"""The reports admin: every produced run has a page previewing the first rows of its stored
file (CSV, JSON, fixed-width) and, for reports that have them, the charts."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta

import pytest
from django.test import Client

from compliance.models import ReportRun
from compliance.reports.preview import report_run_preview
from compliance.reports.runs import report_run_produce
from ledger.services import business_date_advance, business_date_current
from tests.lifecycle.factories import make_active_loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(settings, tmp_path):
    """Three loans disbursed on 2026-01-01; 2026-01-02 closed. Files in a temporary directory."""
    settings.REPORTS_ROOT = str(tmp_path)
    for amount in ("12000.00", "3000.00", "4500.00"):
        make_active_loan(amount, 3, date(2026, 1, 1))
    while business_date_current() < date(2026, 1, 3):
        business_date_advance(to=business_date_current() + timedelta(days=1))


def _page(client, run: ReportRun) -> str:
    response = client.get(f"/admin/compliance/reportrun/{run.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_csv_run_previews_its_first_rows_and_its_chart(books, admin_client):
    run = report_run_produce(name="aging", fmt="csv", actor="test")
    with run.file.open("rb") as stored:
        header, *rows = list(csv.reader(io.StringIO(stored.read().decode())))
    preview = report_run_preview(run, limit=2)
    assert (preview.columns, preview.rows) == (header, rows[:2])
    assert preview.total_rows == run.rows == len(rows) == 3 and preview.truncated

    html = _page(admin_client, run)
    assert 'id="report-preview"' in html
    # each column headed by its name and its code in the file, in the file's order
    heads = re.findall(r'<th scope="col">([^<]+)<br><code>([^<]+)</code></th>', html)
    assert [code for _label, code in heads] == header
    assert ("interest suspense", "interest_suspense") in heads
    for row in rows:  # all three fit in the default preview, as the file's text
        assert "<tr>" + "".join(f"<td><code>{value}</code></td>" for value in row) + "</tr>" in html
    assert 'id="chart-aging"' in html and "<svg" in html

    listing = admin_client.get("/admin/compliance/reportrun/reports/").content.decode()
    assert f'id="preview-{run.pk}"' in listing


def test_json_and_reports_without_charts(books, admin_client):
    run = report_run_produce(name="classification", fmt="json", actor="test")
    with run.file.open("rb") as stored:
        document = json.load(stored)
    preview = report_run_preview(run)
    assert preview.columns == [column["name"] for column in document["columns"]]
    assert preview.total_rows == 3 and len(preview.rows) == 3
    first = document["rows"][0]
    assert preview.rows[0] == ["" if first[c] is None else str(first[c]) for c in preview.columns]
    html = _page(admin_client, run)
    assert 'id="report-preview"' in html and 'id="report-charts"' not in html
    assert preview.rows[0][0] in html


def test_the_preview_reads_in_chinese(books, admin_user):
    run = report_run_produce(name="aging", fmt="csv", actor="test")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(admin_user)
    html = _page(client, run)
    assert "已存文件预览" in html and "显示行数" in html


def _report_columns() -> dict[str, str]:
    """Every column a report module declares (its ``*COLUMNS`` tuples), by name."""
    import importlib
    import pkgutil

    import compliance.reports as package
    from compliance.reports.base import Column

    columns = {}
    for module_info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"compliance.reports.{module_info.name}")
        for attribute, value in vars(module).items():
            if attribute.endswith("COLUMNS") and isinstance(value, tuple):
                for column in value:
                    if isinstance(column, Column):
                        name = column.name
                    else:  # a plain name, or a (name, account) pair
                        name = column[0] if isinstance(column, tuple) else column
                    columns[name] = f"{module_info.name}.{attribute}"
    return columns


def test_every_report_column_has_a_name_in_both_languages():
    from django.utils.translation import override

    from compliance.reports.column_labels import COLUMN_LABELS

    columns = _report_columns()
    assert len(columns) > 60
    # a column nobody named would head the preview with its code alone
    assert sorted(set(columns) - set(COLUMN_LABELS)) == []
    with override("zh-hans"):
        untranslated = [name for name in columns if str(COLUMN_LABELS[name]) == name]
    assert untranslated == []
