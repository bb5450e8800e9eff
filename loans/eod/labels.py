"""The close's steps by name, in the reader's language. The stored step names (settings.CLOSE_STEPS,
the step runs' ``step`` column) stay codes; pages show these."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

STEP_LABELS = {
    "rate_resets": _("rate resets"),
    "accrual": _("interest accrual"),
    "due": _("installments due"),
    "delinquency": _("delinquency"),
    "penalties": _("penalty interest"),
    "states": _("loan states"),
    "buyback": _("buybacks"),
    "staging": _("IFRS 9 staging"),
    "provisioning": _("provisioning"),
    "collection": _("collection"),
    "credit_lines": _("credit lines"),
    "snapshot": _("portfolio snapshot"),
    "month_end": _("month end"),
    "journal": _("journal partitions"),
    "advance": _("business date advance"),
    "auto_debit": _("auto-debits"),
    "reports": _("reports"),
    "done": _("all steps done"),  # a run's current step once its last step is done
}


def step_label(step: str) -> str:
    """A step by name; a step nobody named (one added to settings.CLOSE_STEPS) as its code."""
    return str(STEP_LABELS.get(step, step))
