"""Charts drawn on the server as SVG, for the admin's reports page: aging by bucket, vintage
curves, the roll-rate matrix, income by month and the IFRS 9 stage mix at month ends. Hand-written SVG (no plotting library, no
script, no CDN); coordinates are computed in Decimal like every other figure here, and every
label is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from . import chart_data
from .base import ZERO, ReportError, default_currency
from .registry import report_params
from .roll_rates import STATES

WIDTH, HEIGHT = Decimal(640), Decimal(320)
LEFT, RIGHT, TOP, BOTTOM = Decimal(70), Decimal(20), Decimal(36), Decimal(70)
PALETTE = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#e53e3e", "#d69e2e", "#319795", "#718096")
ONE = Decimal(1)


def _n(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _text(x, y, label: str, *, anchor: str = "middle", size: int = 11, extra: str = "") -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{size}" '
        f'font-family="sans-serif"{extra}>{escape(label)}</text>'
    )


def _frame(title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}">'
        f'<rect width="100%" height="100%" fill="#fff"/>'
        + _text(WIDTH / 2, Decimal(20), title, size=14, extra=' font-weight="bold"')
        + "".join(body)
        + "</svg>"
    )


def _empty(title: str, message: str | None = None) -> str:
    message = message or _("No data for this date.")
    return _frame(title, [_text(WIDTH / 2, HEIGHT / 2, message, size=12, extra=' fill="#718096"')])


def _axis_money(top: Decimal) -> str:
    if top >= 1_000_000:
        return f"{(top / 1_000_000).quantize(Decimal('0.1'))}M"
    if top >= 1_000:
        return f"{(top / 1_000).quantize(Decimal('0.1'))}k"
    return str(top.quantize(Decimal("0.01")))


def _plot_box() -> tuple[Decimal, Decimal, Decimal, Decimal]:
    return LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


def _y_grid(top: Decimal, label) -> list[str]:
    x0, y0, width, height = _plot_box()
    parts = []
    for step in range(5):
        fraction = Decimal(step) / 4
        y = y0 + height - height * fraction
        parts.append(
            f'<line x1="{_n(x0)}" y1="{_n(y)}" x2="{_n(x0 + width)}" y2="{_n(y)}" '
            f'stroke="#e2e8f0"/>'
        )
        parts.append(_text(x0 - 6, y + 4, label(top * fraction), anchor="end", size=10))
    return parts


def bar_chart(*, title: str, labels: Sequence[str], values: Sequence[Decimal]) -> str:
    """Vertical bars, one per label (amounts)."""
    top = max((Decimal(v) for v in values), default=ZERO)
    if top <= 0:
        return _empty(title)
    x0, y0, width, height = _plot_box()
    slot = width / len(labels)
    parts = _y_grid(top, _axis_money)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        bar = height * Decimal(value) / top
        x = x0 + slot * index + slot / 6
        parts.append(
            f'<rect x="{_n(x)}" y="{_n(y0 + height - bar)}" width="{_n(slot * 2 / 3)}" '
            f'height="{_n(bar)}" fill="{PALETTE[0]}"><title>{escape(label)}: {value}</title></rect>'
        )
        parts.append(_text(x0 + slot * index + slot / 2, y0 + height + 16, label))
    return _frame(title, parts)


def grouped_bar_chart(
    *, title: str, groups: Sequence[str], series: dict[str, Sequence[Decimal]]
) -> str:
    """Bars per group, one per series, with a legend (amounts, at least zero)."""
    top = max((Decimal(v) for values in series.values() for v in values), default=ZERO)
    if top <= 0 or not groups:
        return _empty(title)
    x0, y0, width, height = _plot_box()
    slot = width / len(groups)
    bar_width = slot * Decimal("0.8") / len(series)
    parts = _y_grid(top, _axis_money)
    for s_index, (name, values) in enumerate(series.items()):
        color = PALETTE[s_index % len(PALETTE)]
        for g_index, value in enumerate(values):
            value = max(Decimal(value), ZERO)
            bar = height * value / top
            x = x0 + slot * g_index + slot / 10 + bar_width * s_index
            parts.append(
                f'<rect x="{_n(x)}" y="{_n(y0 + height - bar)}" width="{_n(bar_width)}" '
                f'height="{_n(bar)}" fill="{color}"><title>{escape(name)} '
                f"{escape(groups[g_index])}: {value}</title></rect>"
            )
        legend_x = x0 + Decimal(110) * s_index
        parts.append(
            f'<rect x="{_n(legend_x)}" y="{_n(HEIGHT - 18)}" width="10" height="10" '
            f'fill="{color}"/>'
        )
        parts.append(_text(legend_x + 14, HEIGHT - 9, name, anchor="start", size=10))
    for g_index, group in enumerate(groups):
        parts.append(_text(x0 + slot * g_index + slot / 2, y0 + height + 14, group, size=10))
    return _frame(title, parts)


def line_chart(
    *, title: str, series: dict[str, Sequence[tuple[int, Decimal]]], x_label: str
) -> str:
    """Lines of shares (0 to 1) against whole-number x values, with a legend."""
    points = [point for values in series.values() for point in values]
    if not points:
        return _empty(title)
    x_max = max(max(x for x, _ in points), 1)
    top = max(max(Decimal(y) for _, y in points) * Decimal("1.1"), Decimal("0.01"))
    x0, y0, width, height = _plot_box()
    parts = _y_grid(top, lambda v: f"{(v * 100).quantize(Decimal('0.1'))}%")
    for step in range(x_max + 1):
        x = x0 + width * Decimal(step) / x_max
        parts.append(_text(x, y0 + height + 14, str(step), size=10))
    parts.append(_text(x0 + width / 2, y0 + height + 28, x_label, size=10))
    for index, (name, values) in enumerate(series.items()):
        color = PALETTE[index % len(PALETTE)]
        coordinates = " ".join(
            f"{_n(x0 + width * Decimal(x) / x_max)},{_n(y0 + height - height * Decimal(y) / top)}"
            for x, y in values
        )
        parts.append(
            f'<polyline points="{coordinates}" fill="none" stroke="{color}" stroke-width="2">'
            f"<title>{escape(name)}</title></polyline>"
        )
        legend_x = x0 + Decimal(80) * (index % 7)
        legend_y = HEIGHT - 14 + Decimal(0 if index < 7 else 10)
        parts.append(
            f'<rect x="{_n(legend_x)}" y="{_n(legend_y - 8)}" width="10" height="3" '
            f'fill="{color}"/>'
        )
        parts.append(_text(legend_x + 14, legend_y - 4, name, anchor="start", size=9))
    return _frame(title, parts)


def state_label(state: str) -> str:
    """A loan state of the reports (a bucket, new, paid off, charged off) by name; the
    day-range buckets (1-30, 180+) read the same in every language."""
    names = {
        "current": _("current"),
        "new": _("new loans"),
        "paid_off": _("paid off"),
        "charged_off": _("charged off"),
    }
    return names.get(state, state)


def heatmap(*, title: str, rows: Sequence[str], columns: Sequence[str], cells: dict) -> str:
    """A matrix of shares (0 to 1): darker is more; each cell labelled in percent."""
    if not rows or not columns:
        return _empty(title)
    x0, y0 = Decimal(90), TOP + 18
    cell_w = (WIDTH - x0 - RIGHT) / len(columns)
    cell_h = (HEIGHT - y0 - 10) / len(rows)
    parts = []
    for c_index, column in enumerate(columns):
        parts.append(
            _text(x0 + cell_w * c_index + cell_w / 2, y0 - 6, state_label(column), size=10)
        )
    for r_index, row in enumerate(rows):
        y = y0 + cell_h * r_index
        parts.append(_text(x0 - 6, y + cell_h / 2 + 4, state_label(row), anchor="end", size=10))
        for c_index, column in enumerate(columns):
            share = Decimal(cells.get((row, column), ZERO))
            shade = int((ONE - min(share, ONE)) * 200) + 40
            fill = f"rgb({shade},{min(shade + 10, 255)},255)"
            x = x0 + cell_w * c_index
            parts.append(
                f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(cell_w)}" height="{_n(cell_h)}" '
                f'fill="{fill}" stroke="#fff"/>'
            )
            if share:
                label = f"{(share * 100).quantize(Decimal('0.1'))}%"
                color = "#fff" if share > Decimal("0.5") else "#1a202c"
                parts.append(
                    _text(
                        x + cell_w / 2, y + cell_h / 2 + 4, label, size=10, extra=f' fill="{color}"'
                    )
                )
    return _frame(title, parts)


def report_charts(*, as_of: date | None = None, currency: str | None = None) -> dict[str, str]:
    """The charts for the last closed business date (or `as_of`), by name."""
    currency = currency or default_currency()
    try:
        day = report_params(name="aging", as_of=as_of, currency=currency).as_of
    except ReportError as exc:
        return {"aging": _empty(_("Reports"), exc.detail)}
    buckets = chart_data.aging_by_bucket(day, currency)
    month, matrix = chart_data.roll_matrix(day, currency)
    income = chart_data.income_by_month(day, currency)
    months = list(income)
    mix = chart_data.stage_mix(day, currency)
    mix_months = list(mix)
    return {
        "aging": bar_chart(
            title=_("Outstanding principal by delinquency bucket, %(day)s") % {"day": day},
            labels=[state_label(bucket) for bucket in buckets],
            values=list(buckets.values()),
        ),
        "vintage": line_chart(
            title=_("Vintage curves: share of principal 30+ days past due (incl. written off)"),
            series=chart_data.vintage_curves(day, currency),
            x_label=_("months on book"),
        ),
        "roll_rates": heatmap(
            title=_("Roll rates %(month)s: from (rows) to (columns)") % {"month": month},
            rows=[state for state in ("new", *STATES) if state in matrix],
            columns=[state for state in STATES if any(state in row for row in matrix.values())],
            cells={(s, t): share for s, row in matrix.items() for t, share in row.items()},
        ),
        "income": grouped_bar_chart(
            title=_("Income and losses by month"),
            groups=months,
            series={
                label: [income[m][name] for m in months]
                for label, name in (
                    (_("interest"), "interest_income"),
                    (_("fees"), "fee_income"),
                    (_("penalty"), "penalty_income"),
                    (_("recoveries"), "recoveries"),
                    (_("write-offs"), "write_offs"),
                )
            },
        ),
        "stage_exposure": grouped_bar_chart(
            title=_("IFRS 9 stage mix at month ends: principal outstanding"),
            groups=mix_months,
            series={
                _("stage %(stage)s") % {"stage": stage}: [
                    mix[m].get(stage, (ZERO, ZERO))[0] for m in mix_months
                ]
                for stage in (1, 2, 3)
            },
        ),
        "stage_allowance": grouped_bar_chart(
            title=_("IFRS 9 stage mix at month ends: loss allowance"),
            groups=mix_months,
            series={
                _("stage %(stage)s") % {"stage": stage}: [
                    mix[m].get(stage, (ZERO, ZERO))[1] for m in mix_months
                ]
                for stage in (1, 2, 3)
            },
        ),
    }
