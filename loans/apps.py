from django.apps import AppConfig


class LoansConfig(AppConfig):
    name = "loans"
    verbose_name = "Loans"

    def ready(self) -> None:
        from ledger.gl_export import loan_reference_source_register

        from .eod import register_loans_steps

        register_loans_steps()
        loan_reference_source_register(
            table="loans_loan", id_column="id", reference_column="reference"
        )
