"""``{% portfolio_dashboard %}``: the admin index's dashboard, with inline SVG bar charts (no
script, no network: the admin works offline)."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

from loans.selectors.dashboard import Bar, dashboard

register = template.Library()

BAR_HEIGHT = 22
LABEL_WIDTH = 110
CHART_WIDTH = 420
COLOURS = ("#417690", "#79aec8", "#f5a623", "#e07a5f", "#c0392b", "#7d3c98", "#95a5a6")


def svg_bars(bars: list[Bar], *, title: str, by_amount: bool = False) -> str:
    """A horizontal bar chart of counts (or amounts), labelled with both."""
    values = [bar.amount if by_amount else Decimal(bar.count) for bar in bars]
    top = max(values, default=Decimal(0)) or Decimal(1)
    span = CHART_WIDTH - LABEL_WIDTH - 150
    height = BAR_HEIGHT * max(len(bars), 1) + 8
    rows = format_html_join(
        "",
        '<g transform="translate(0,{})"><text x="0" y="15" font-size="12">{}</text>'
        '<rect x="{}" y="3" width="{}" height="16" fill="{}"></rect>'
        '<text x="{}" y="15" font-size="12">{} · {}</text></g>',
        (
            (
                index * BAR_HEIGHT,
                gettext(bar.label),
                LABEL_WIDTH,
                int(value * span / top),
                COLOURS[index % len(COLOURS)],
                LABEL_WIDTH + int(value * span / top) + 6,
                bar.count,
                f"{bar.amount:,.2f}",
            )
            for index, (bar, value) in enumerate(zip(bars, values, strict=True))
        ),
    )
    return format_html(
        '<svg role="img" aria-label="{}" width="{}" height="{}" viewBox="0 0 {} {}" '
        'xmlns="http://www.w3.org/2000/svg">{}</svg>',
        title,
        CHART_WIDTH,
        height,
        CHART_WIDTH,
        height,
        rows,
    )


@register.inclusion_tag("admin/loans/dashboard.html", takes_context=True)
def portfolio_dashboard(context) -> dict:
    request = context.get("request")
    if request is None or not request.user.has_perm("loans.view_loan"):
        return {"visible": False}
    data = dashboard()
    return {
        "visible": True,
        "data": data,
        "status_chart": svg_bars(data.by_status, title=gettext("Loans by status")),
        "bucket_chart": svg_bars(data.by_bucket, title=gettext("Open loans by days past due")),
        "bucket_amount_chart": svg_bars(
            data.by_bucket, title=gettext("Principal outstanding by days past due"), by_amount=True
        ),
    }
