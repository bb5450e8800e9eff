"""What a simulation did beyond the loans: collection activity and the reports filed, for the
summary `simulate` prints (read from the records, so it says what the books hold)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count

from collection.selectors import conduct_report
from compliance.models import MonthEndCapture, ReportRun


@dataclass
class ActivitySummary:
    attempts: int = 0
    allowed: int = 0
    blocked: int = 0
    blocked_by_rule: dict[str, int] = field(default_factory=dict)
    promises: dict[str, int] = field(default_factory=dict)
    reports: dict[str, int] = field(default_factory=dict)
    month_end_captures: int = 0

    def lines(self) -> list[str]:
        rules = ", ".join(f"{rule} {n}" for rule, n in self.blocked_by_rule.items())
        promises = self.promises
        reports = ", ".join(f"{name} {n}" for name, n in self.reports.items())
        return [
            f"  collections: {self.attempts} contact attempts, {self.allowed} allowed, "
            f"{self.blocked} blocked" + (f" ({rules})" if rules else ""),
            f"  promises to pay: {promises.get('made', 0)} made, {promises.get('kept', 0)} kept, "
            f"{promises.get('partial', 0)} partly kept, {promises.get('broken', 0)} broken",
            f"  reports produced: {sum(self.reports.values())} files"
            + (f" ({reports})" if reports else "")
            + f"; {self.month_end_captures} month-end captures",
        ]


def activity_summary(first: date, last: date) -> ActivitySummary:
    """Collection attempts and promises from `first` to `last`, and the scheduled report
    files produced for those dates."""
    conduct = conduct_report(first, last)
    reports = dict(
        ReportRun.objects.filter(trigger=ReportRun.Trigger.SCHEDULE, as_of__range=(first, last))
        .values("name")
        .annotate(n=Count("id"))
        .order_by("name")
        .values_list("name", "n")
    )
    return ActivitySummary(
        attempts=conduct["attempts"]["total"],
        allowed=conduct["attempts"]["allowed"],
        blocked=conduct["attempts"]["blocked"],
        blocked_by_rule=conduct["blocked_by_rule"],
        promises=conduct["promises"],
        reports=reports,
        month_end_captures=MonthEndCapture.objects.filter(month_end__range=(first, last)).count(),
    )
