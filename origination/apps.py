from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OriginationConfig(AppConfig):
    """Applications, the decision pipeline, credit lines, drawdowns and merchants.

    Its own app, above `loans`: its models refer to borrowers, products and loans and nothing in
    `loans` refers to them, so the layers contract can state it (see the README)."""

    name = "origination"
    verbose_name = _("Origination")

    def ready(self) -> None:
        from core.audit_actions import audit_actions_register
        from ledger.entry_kinds import entry_kinds_register
        from loans.selectors.exposure import exposure_source_register

        from . import borrower360, close_steps  # noqa: F401  (borrower360 registers its part)
        from .services.credit_lines import lines_exposure

        close_steps.register()
        # Credit lines count their limits in a borrower's exposure; the exposure selector
        # (below them, in loans) learns of it here rather than importing them.
        exposure_source_register("credit_lines", lines_exposure)
        audit_actions_register(
            {
                "drawdown.create": _("Drawdown made"),
                "drawdown.refund": _("Drawdown refunded"),
                "merchant.settle": _("Merchant settled"),
            }
        )
        entry_kinds_register(
            {
                "merchant_settlement": _("Merchant settlement"),
                "merchant_refund": _("Merchant refund"),
            }
        )
