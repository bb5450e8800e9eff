from django.urls import path

from . import backoffice
from .api import EventStream

BASE = "backoffice/webhooks/subscriptions"

urlpatterns = [
    path("events", EventStream.as_view(), name="event-stream"),
    path(BASE, backoffice.SubscriptionListApi.as_view(), name="webhook-subscriptions"),
    path(
        f"{BASE}/<int:pk>", backoffice.SubscriptionDetailApi.as_view(), name="webhook-subscription"
    ),
    path(f"{BASE}/<int:pk>/deactivate", backoffice.SubscriptionDeactivateApi.as_view()),
    path(f"{BASE}/<int:pk>/rotate-secret", backoffice.SubscriptionRotateApi.as_view()),
    path(f"{BASE}/<int:pk>/end-rotation", backoffice.SubscriptionRotationEndApi.as_view()),
    path(f"{BASE}/<int:pk>/dead-letters", backoffice.DeadLetterListApi.as_view()),
    path(f"{BASE}/<int:pk>/redrive", backoffice.SubscriptionRedriveApi.as_view()),
]
