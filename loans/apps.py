from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class LoansConfig(AppConfig):
    name = "loans"
    # "Loans" alone is the reports' loan count (贷款数); the app's name reads 贷款.
    verbose_name = pgettext_lazy("app", "Loans")

    def ready(self) -> None:
        from core.audit_actions import audit_actions_register
        from ledger.entry_kinds import entry_kinds_register
        from ledger.gl_export import loan_reference_source_register

        from .eod import register_loans_steps
        from .labels import loans_audit_actions, loans_entry_kinds

        register_loans_steps()
        entry_kinds_register(loans_entry_kinds())
        audit_actions_register(loans_audit_actions())
        loan_reference_source_register(
            table="loans_loan", id_column="id", reference_column="reference"
        )
