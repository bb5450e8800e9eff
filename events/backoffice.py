"""Back-office API for webhook subscriptions (``/api/v1/backoffice/webhooks/...``), for staff
holding the matching ``events`` permission: create, list, read, change and deactivate
subscriptions, rotate a signing secret (and end the rotation), list a subscription's
dead-lettered deliveries and re-drive them. Errors are problem+json; the rules live in
`events.subscriptions`."""

from __future__ import annotations

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from core.api.pagination import page_serializer
from core.api.permissions import StaffPermission
from core.api.serializers import ProblemSerializer
from events.api_examples import (
    DEAD_LETTER_PAGE_EXAMPLE,
    REDRIVE_EXAMPLE,
    SUBSCRIPTION_CREATE_EXAMPLE,
    SUBSCRIPTION_CREATED_EXAMPLE,
    SUBSCRIPTION_DEACTIVATED_EXAMPLE,
    SUBSCRIPTION_EXAMPLE,
    SUBSCRIPTION_PAGE_EXAMPLE,
    SUBSCRIPTION_ROTATING_EXAMPLE,
    SUBSCRIPTION_ROTATION_ENDED_EXAMPLE,
    SUBSCRIPTION_UPDATE_EXAMPLE,
    SUBSCRIPTION_UPDATED_EXAMPLE,
)

from .dispatch import envelope
from .models import Delivery, Subscription
from .schemas import event_types
from .subscriptions import (
    subscription_create,
    subscription_deactivate,
    subscription_dead_letters,
    subscription_redrive,
    subscription_rotation_end,
    subscription_secret_rotate,
    subscription_update,
)

TAGS = ["webhooks"]
PROBLEMS = {
    400: OpenApiResponse(ProblemSerializer, description="A field is invalid (problem)."),
    401: OpenApiResponse(ProblemSerializer, description="Not signed in (problem)."),
    403: OpenApiResponse(ProblemSerializer, description="Missing permission (problem)."),
    404: OpenApiResponse(ProblemSerializer, description="No such subscription (problem)."),
    409: OpenApiResponse(ProblemSerializer, description="Name taken (problem)."),
    422: OpenApiResponse(ProblemSerializer, description="Refused by a rule (problem)."),
}
ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The subscription's id.")
VIEW, CHANGE, ADD = (
    "events.view_subscription",
    "events.change_subscription",
    "events.add_subscription",
)


class WebhookThrottle(UserRateThrottle):
    scope = "backoffice"

    def get_rate(self) -> str:
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class ById(CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-id"


class StaffApi(APIView):
    permission_classes = [StaffPermission]
    throttle_classes = [WebhookThrottle]
    permissions: dict[str, str] = {}

    @property
    def required_permission(self) -> str:
        return self.permissions.get(self.request.method, "")


def event_type_field() -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=event_types())


class SubscriptionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.URLField()
    event_types = serializers.ListField(
        child=serializers.CharField(), help_text="Empty: every type."
    )
    active = serializers.BooleanField()
    max_attempts = serializers.IntegerField()
    rotating = serializers.SerializerMethodField(help_text="Signed with two secrets for now.")
    secret_hint = serializers.SerializerMethodField(help_text="The secret's last 4 characters.")
    pending = serializers.IntegerField(read_only=True, default=0)
    dead = serializers.IntegerField(read_only=True, default=0)
    created_at = serializers.DateTimeField()

    def get_rotating(self, subscription) -> bool:
        return bool(subscription.previous_secret)

    def get_secret_hint(self, subscription) -> str:
        return "…" + subscription.secret[-4:]


class SubscriptionSecretOutputSerializer(SubscriptionOutputSerializer):
    secret = serializers.CharField(help_text="The signing secret: shown here only.")


class SubscriptionCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    url = serializers.URLField(max_length=500)
    event_types = serializers.ListField(child=event_type_field(), required=False, default=list)
    max_attempts = serializers.IntegerField(min_value=1, max_value=50, required=False, default=8)
    with_history = serializers.BooleanField(
        required=False, default=False, help_text="Also deliver every event already written."
    )


class SubscriptionUpdateInputSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500, required=False)
    event_types = serializers.ListField(child=event_type_field(), required=False)
    max_attempts = serializers.IntegerField(min_value=1, max_value=50, required=False)
    active = serializers.BooleanField(required=False)


class DeadLetterOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField()
    sequence = serializers.IntegerField()
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()
    next_attempt_at = serializers.DateTimeField()
    event = serializers.SerializerMethodField(help_text="The CloudEvents envelope.")

    def get_event(self, delivery) -> dict:
        return envelope(delivery.event)


class RedriveOutputSerializer(serializers.Serializer):
    redriven = serializers.IntegerField()


def _counted(queryset):
    return queryset.annotate(
        pending=Count("delivery", filter=Q(delivery__status=Delivery.Status.PENDING)),
        dead=Count("delivery", filter=Q(delivery__status=Delivery.Status.DEAD)),
    )


def _one(pk: int) -> Subscription:
    return get_object_or_404(_counted(Subscription.objects.all()), pk=pk)


class SubscriptionListApi(StaffApi):
    permissions = {"GET": VIEW, "POST": ADD}

    @extend_schema(
        operation_id="webhook_subscriptions_list",
        examples=[SUBSCRIPTION_PAGE_EXAMPLE],
        summary="List webhook subscriptions (newest first)",
        tags=TAGS,
        responses={
            200: page_serializer(SubscriptionOutputSerializer, "SubscriptionPage"),
            **PROBLEMS,
        },
    )
    def get(self, request: Request) -> Response:
        pages = ById()
        page = pages.paginate_queryset(_counted(Subscription.objects.all()), request, view=self)
        return pages.get_paginated_response(SubscriptionOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="webhook_subscriptions_create",
        examples=[SUBSCRIPTION_CREATE_EXAMPLE, SUBSCRIPTION_CREATED_EXAMPLE],
        summary="Create a webhook subscription (its secret is in this response only)",
        tags=TAGS,
        request=SubscriptionCreateInputSerializer,
        responses={201: SubscriptionSecretOutputSerializer, **PROBLEMS},
    )
    def post(self, request: Request) -> Response:
        payload = SubscriptionCreateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        created = subscription_create(actor=request.user, **payload.validated_data)
        return Response(
            SubscriptionSecretOutputSerializer(_one(created.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class SubscriptionDetailApi(StaffApi):
    permissions = {"GET": VIEW, "PATCH": CHANGE}

    @extend_schema(
        operation_id="webhook_subscriptions_read",
        examples=[SUBSCRIPTION_EXAMPLE],
        summary="A webhook subscription",
        tags=TAGS,
        parameters=[ID],
        responses={200: SubscriptionOutputSerializer, **PROBLEMS},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(SubscriptionOutputSerializer(_one(pk)).data)

    @extend_schema(
        operation_id="webhook_subscriptions_update",
        examples=[SUBSCRIPTION_UPDATE_EXAMPLE, SUBSCRIPTION_UPDATED_EXAMPLE],
        summary="Change a subscription's URL, event types, attempts or active flag",
        tags=TAGS,
        parameters=[ID],
        request=SubscriptionUpdateInputSerializer,
        responses={200: SubscriptionOutputSerializer, **PROBLEMS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        subscription = _one(pk)
        payload = SubscriptionUpdateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        subscription_update(subscription=subscription, actor=request.user, **payload.validated_data)
        return Response(SubscriptionOutputSerializer(_one(pk)).data)


def _action(service, serializer, summary: str, operation_id: str, example, result=None):
    class ActionApi(StaffApi):
        permissions = {"POST": CHANGE}

        @extend_schema(
            operation_id=operation_id,
            summary=summary,
            examples=[example],
            tags=TAGS,
            parameters=[ID],
            request=None,
            responses={200: serializer, **PROBLEMS},
        )
        def post(self, request: Request, pk: int) -> Response:
            done = service(subscription=_one(pk), actor=request.user)
            body = result(done) if result else serializer(_one(pk)).data
            return Response(body)

    ActionApi.__name__ = ActionApi.__qualname__ = "".join(
        part.title() for part in operation_id.split("_")
    )
    return ActionApi


SubscriptionDeactivateApi = _action(
    subscription_deactivate,
    SubscriptionOutputSerializer,
    "Deactivate a subscription (its queued deliveries wait)",
    "webhook_subscriptions_deactivate",
    SUBSCRIPTION_DEACTIVATED_EXAMPLE,
)
SubscriptionRotateApi = _action(
    subscription_secret_rotate,
    SubscriptionSecretOutputSerializer,
    "Rotate the signing secret: the new one signs beside the old until the rotation ends",
    "webhook_subscriptions_rotate_secret",
    SUBSCRIPTION_ROTATING_EXAMPLE,
)
SubscriptionRotationEndApi = _action(
    subscription_rotation_end,
    SubscriptionOutputSerializer,
    "End a secret rotation: stop signing with the previous secret",
    "webhook_subscriptions_end_rotation",
    SUBSCRIPTION_ROTATION_ENDED_EXAMPLE,
)
SubscriptionRedriveApi = _action(
    subscription_redrive,
    RedriveOutputSerializer,
    "Re-drive the subscription's dead-lettered deliveries (fresh attempts, due now)",
    "webhook_subscriptions_redrive",
    REDRIVE_EXAMPLE,
    result=lambda count: {"redriven": count},
)


class DeadLetterListApi(StaffApi):
    permissions = {"GET": VIEW}

    @extend_schema(
        operation_id="webhook_subscriptions_dead_letters",
        examples=[DEAD_LETTER_PAGE_EXAMPLE],
        summary="A subscription's dead-lettered deliveries, with their events (newest first)",
        tags=TAGS,
        parameters=[ID],
        responses={200: page_serializer(DeadLetterOutputSerializer, "DeadLetterPage"), **PROBLEMS},
    )
    def get(self, request: Request, pk: int) -> Response:
        subscription = get_object_or_404(Subscription, pk=pk)
        pages = ById()
        page = pages.paginate_queryset(
            subscription_dead_letters(subscription=subscription), request, view=self
        )
        return pages.get_paginated_response(DeadLetterOutputSerializer(page, many=True).data)
