from django.apps import AppConfig


class LoansConfig(AppConfig):
    name = "loans"
    verbose_name = "Loans"

    def ready(self) -> None:
        # Credit lines count their limits in a borrower's exposure; the exposure selector
        # (below them) learns of it here rather than importing them.
        from loans.origination.credit_lines import lines_exposure
        from loans.selectors.exposure import exposure_source_register

        exposure_source_register("credit_lines", lines_exposure)
