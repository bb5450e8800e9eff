"""Routes of ``/api/v1/`` for payments (included from ``config/api_urls.py``)."""

from django.urls import path

from .api import reconciliation, views

urlpatterns = [
    path(
        "payments/callbacks/<str:gateway>",
        views.GatewayCallbackApi.as_view(),
        name="payment-callback",
    ),
    path(
        "loans/<int:loan_id>/payment-orders",
        views.LoanPaymentOrderApi.as_view(),
        name="loan-payment-orders",
    ),
    path(
        "payment-orders/<str:reference>",
        views.PaymentOrderDetailApi.as_view(),
        name="payment-order",
    ),
    path("loans/<int:loan_id>/mandates", views.LoanMandateApi.as_view(), name="loan-mandates"),
    path("mandates/<int:pk>/revoke", views.MandateRevokeApi.as_view(), name="mandate-revoke"),
    path(
        "backoffice/payment-orders",
        views.BackofficeOrderListApi.as_view(),
        name="backoffice-payment-orders",
    ),
    path(
        "backoffice/loans/<int:pk>/payouts",
        views.BackofficePayoutApi.as_view(),
        name="backoffice-loan-payouts",
    ),
    path(
        "backoffice/statements",
        views.BackofficeStatementApi.as_view(),
        name="backoffice-statements",
    ),
    path(
        "backoffice/cash-reconciliation",
        views.BackofficeCashReconciliationApi.as_view(),
        name="backoffice-cash-reconciliation",
    ),
    path(
        "backoffice/statement-lines",
        reconciliation.QueuedLineListApi.as_view(),
        name="backoffice-statement-line-queue",
    ),
    path(
        "backoffice/statement-lines/<int:pk>/reconciliation-requests",
        reconciliation.LineRequestApi.as_view(),
        name="backoffice-statement-line-request",
    ),
    path(
        "backoffice/reconciliation-requests",
        reconciliation.RequestListApi.as_view(),
        name="backoffice-reconciliation-requests",
    ),
    path(
        "backoffice/reconciliation-requests/<int:pk>/approve",
        reconciliation.RequestApproveApi.as_view(),
        name="backoffice-reconciliation-approve",
    ),
    path(
        "backoffice/reconciliation-requests/<int:pk>/reject",
        reconciliation.RequestRejectApi.as_view(),
        name="backoffice-reconciliation-reject",
    ),
]
