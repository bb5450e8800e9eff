from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    """Joint lending (联合贷): funders, funding arrangements, each loan's shares, the funders'
    books, settlement, guarantee buyback and asset transfers.

    Above `loans` (layer 4, beside origination): it reads loans and the ledger and registers
    with the registries they offer (the lending-limit checks, the close's steps, the funder
    views of the trial balance and the reconcile)."""

    name = "funding"
    verbose_name = _("Funding (joint lending)")

    def ready(self) -> None:
        from core.audit_actions import audit_actions_register
        from ledger.entry_kinds import entry_kinds_register
        from ledger.selectors import funder_trial_balance_register
        from loans.eod import step_register
        from loans.reconciliation import funder_reconcile_register
        from loans.services.lending_limits import lending_check_register

        from . import loan360  # noqa: F401  (registers its loan 360 part)
        from .selectors.books import funder_trial_balance
        from .selectors.reconcile import funder_reconcile
        from .services.buyback import buybacks_run
        from .services.limits import funding_limits_check

        lending_check_register("funding", funding_limits_check)
        entry_kinds_register(
            {
                "funder_service_fee": _("Funder service fee"),
                "funder_settlement": _("Funder settlement"),
                "guarantee_buyback": _("Guarantee buyback"),
                "asset_transfer": _("Asset transfer"),
            }
        )
        step_register("buyback", buybacks_run)
        audit_actions_register(
            {
                "funding.asset_transfer": _("Asset transferred"),
                "funding.settled": _("Funder settled"),
                "funding.share_buy_back": _("Funder share bought back"),
            }
        )
        funder_trial_balance_register(funder_trial_balance)
        funder_reconcile_register(funder_reconcile)
