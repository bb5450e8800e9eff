"""Consumer and back-office routes of ``/api/v1/`` (included from ``config/api_urls.py``)."""

from django.urls import path

from . import auth, backoffice, loans, modifications, payments, refunds, statements

urlpatterns = [
    path("auth/token", auth.TokenApi.as_view(), name="auth-token"),
    path("loans", loans.LoanListApi.as_view(), name="loan-list"),
    path("loans/<int:loan_id>", loans.LoanDetailApi.as_view(), name="loan-detail"),
    path("loans/<int:loan_id>/schedule", loans.LoanScheduleApi.as_view(), name="loan-schedule"),
    path(
        "loans/<int:loan_id>/transactions",
        loans.LoanTransactionsApi.as_view(),
        name="loan-transactions",
    ),
    path(
        "loans/<int:loan_id>/payoff-quote",
        payments.LoanPayoffQuoteApi.as_view(),
        name="loan-payoff-quote",
    ),
    path(
        "loans/<int:loan_id>/repayments",
        payments.LoanRepaymentApi.as_view(),
        name="loan-repayments",
    ),
    path(
        "loans/<int:loan_id>/prepayments",
        payments.LoanPrepaymentApi.as_view(),
        name="loan-prepayments",
    ),
    path(
        "loans/<int:loan_id>/refund-requests",
        refunds.LoanRefundRequestApi.as_view(),
        name="loan-refund-requests",
    ),
    path(
        "loans/<int:loan_id>/modifications/quote",
        modifications.LoanModificationQuoteApi.as_view(),
        name="loan-modification-quote",
    ),
    path(
        "loans/<int:loan_id>/modifications",
        modifications.LoanModificationRequestApi.as_view(),
        name="loan-modification-request",
    ),
    path(
        "loans/<int:loan_id>/statement",
        statements.LoanStatementApi.as_view(),
        name="loan-statement",
    ),
    path(
        "backoffice/loans/<int:pk>/approve",
        backoffice.LoanApproveApi.as_view(),
        name="backoffice-loan-approve",
    ),
    path(
        "backoffice/loans/<int:pk>/reject",
        backoffice.LoanRejectApi.as_view(),
        name="backoffice-loan-reject",
    ),
    path(
        "backoffice/loans/<int:pk>/disburse",
        backoffice.LoanDisburseApi.as_view(),
        name="backoffice-loan-disburse",
    ),
    path(
        "backoffice/loans/<int:pk>/repayments",
        backoffice.BankRepaymentApi.as_view(),
        name="backoffice-loan-repayments",
    ),
    path(
        "backoffice/loans/<int:pk>/write-off",
        backoffice.LoanWriteOffApi.as_view(),
        name="backoffice-loan-write-off",
    ),
    path(
        "backoffice/borrowers/<int:pk>/credit-assessments",
        backoffice.CreditAssessApi.as_view(),
        name="backoffice-credit-assess",
    ),
    path(
        "backoffice/repayments/<int:pk>/reverse",
        backoffice.RepaymentReverseApi.as_view(),
        name="backoffice-repayment-reverse",
    ),
    path(
        "backoffice/adjustments/<int:pk>/approve",
        backoffice.AdjustmentApproveApi.as_view(),
        name="backoffice-adjustment-approve",
    ),
    path(
        "backoffice/adjustments/<int:pk>/reject",
        backoffice.AdjustmentRejectApi.as_view(),
        name="backoffice-adjustment-reject",
    ),
]
