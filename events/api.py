"""``GET /api/v1/events?after=<cursor>``: the stream for consumers that poll (staff holding
``events.view_event``). Each page gives its events as CloudEvents and the cursor to ask after."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import StaffPermission
from core.api.serializers import ProblemSerializer

from .api_examples import EVENT_PAGE_EXAMPLE
from .dispatch import envelope
from .selectors import cursor_of, events_after

MAX_LIMIT = 1000


class EventPageSerializer(serializers.Serializer):
    events = serializers.ListField(
        child=serializers.DictField(), help_text="CloudEvents 1.0 envelopes, oldest first."
    )
    cursor = serializers.CharField(
        allow_null=True, help_text="Ask `after` it for the next page; null before any event."
    )


class EventStream(APIView):
    permission_classes = [StaffPermission]
    required_permission = "events.view_event"

    @extend_schema(
        parameters=[
            OpenApiParameter("after", OpenApiTypes.STR, description="The last page's cursor."),
            OpenApiParameter("limit", OpenApiTypes.INT, description=f"At most {MAX_LIMIT}."),
        ],
        examples=[EVENT_PAGE_EXAMPLE],
        responses={
            200: EventPageSerializer,
            401: OpenApiResponse(ProblemSerializer, description="Not signed in (problem)."),
            403: OpenApiResponse(ProblemSerializer, description="Missing permission (problem)."),
        },
    )
    def get(self, request):
        limit = request.query_params.get("limit", "500")
        limit = min(int(limit), MAX_LIMIT) if limit.isdigit() and int(limit) > 0 else 500
        after = request.query_params.get("after") or None
        events = events_after(after, limit=limit)
        return Response(
            {
                "events": [envelope(event) for event in events],
                "cursor": cursor_of(events[-1]) if events else after,
            }
        )
