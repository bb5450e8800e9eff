"""Tokens for the consumer app: obtained with username and password, revoked by the holder.

Attempts are throttled per client address (``auth_token`` rate), failed or not, so guessing
passwords is slow whichever account is tried.
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core.api.authentication import PreparedTokenAuthentication
from core.api.serializers import ProblemSerializer
from loans.api.examples import (
    TOKEN_EXAMPLE,
    TOKEN_REQUEST_EXAMPLE,
)


class AuthTokenThrottle(AnonRateThrottle):
    """Login attempts per client address, signed in or not."""

    scope = "auth_token"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def get_rate(self):
        # Read on every request (DRF binds its rates once, at import): overrides then apply.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class TokenApi(APIView):
    authentication_classes = [PreparedTokenAuthentication]

    class TokenInputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    class TokenOutputSerializer(serializers.Serializer):
        token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_throttles(self):
        if self.request.method == "POST":
            return [AuthTokenThrottle()]
        return []

    @extend_schema(
        operation_id="auth_token_create",
        examples=[TOKEN_REQUEST_EXAMPLE, TOKEN_EXAMPLE],
        summary="Sign in: exchange username and password for an API token",
        tags=["auth"],
        auth=[],
        request=TokenInputSerializer,
        responses={
            200: TokenOutputSerializer,
            400: OpenApiResponse(ProblemSerializer, description="A field is missing (problem)."),
            401: OpenApiResponse(ProblemSerializer, description="Wrong credentials (problem)."),
            429: OpenApiResponse(ProblemSerializer, description="Too many attempts (problem)."),
        },
    )
    def post(self, request: Request) -> Response:
        payload = self.TokenInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = authenticate(
            request=request._request,
            username=payload.validated_data["username"],
            password=payload.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise AuthenticationFailed(_("The username or password is not correct."))
        token, _created = Token.objects.get_or_create(user=user)
        return Response(self.TokenOutputSerializer({"token": token.key}).data)

    @extend_schema(
        operation_id="auth_token_delete",
        summary="Sign out: revoke the token this request was made with",
        tags=["auth"],
        request=None,
        responses={
            204: OpenApiResponse(description="Revoked."),
            401: OpenApiResponse(ProblemSerializer, description="No valid token (problem)."),
        },
    )
    def delete(self, request: Request) -> Response:
        Token.objects.filter(key=getattr(request.auth, "key", None)).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
