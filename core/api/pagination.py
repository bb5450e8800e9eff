"""Cursor pagination for the API's lists: opaque cursors, stable under inserts."""

from __future__ import annotations

import base64
from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class LoanCursorPagination(CursorPagination):
    """Newest loans first."""

    page_size = PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE
    page_size_query_param = "page_size"
    ordering = "-id"
    invalid_cursor_message = _("The cursor is not valid.")

    def decode_cursor(self, request):
        # DRF answers a bad cursor with 404; it is a bad parameter (400), naming the field.
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from None


class SequenceCursorPagination(CursorPagination):
    """The same cursor contract for lists built in memory (a loan's transactions, oldest first):
    the cursor is an opaque token of the position, so clients page both kinds of list alike."""

    page_size = PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE
    page_size_query_param = "page_size"
    invalid_cursor_message = _("The cursor is not valid.")

    def paginate_sequence(self, items: Sequence, request, view=None) -> list:
        self.request = request
        self.base_url = request.build_absolute_uri()
        size = self.get_page_size(request)
        start = self._decode(request.query_params.get(self.cursor_query_param))
        self.page_items = list(items[start : start + size])
        self._next = start + size if start + size < len(items) else None
        self._previous = max(start - size, 0) if start > 0 else None
        return self.page_items

    def _decode(self, token: str | None) -> int:
        if not token:
            return 0
        try:
            text = base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii")
            kind, _sep, value = text.partition("=")
            position = int(value)
        except (ValueError, UnicodeError):
            position, kind = -1, ""
        if kind != "o" or position < 0:
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})
        return position

    def _link(self, position: int | None) -> str | None:
        if position is None:
            return None
        if position == 0:
            return remove_query_param(self.base_url, self.cursor_query_param)
        token = base64.urlsafe_b64encode(f"o={position}".encode("ascii")).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, token)

    def get_paginated_response(self, data) -> Response:
        return Response(
            {
                "next": self._link(self._next),
                "previous": self._link(self._previous),
                "results": data,
            }
        )


def page_serializer(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The schema of one page of ``item``s (``next``, ``previous``, ``results``), for views that
    paginate by hand; ``name`` becomes the OpenAPI component's name."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "next": serializers.URLField(allow_null=True, help_text="The next page, if any."),
            "previous": serializers.URLField(allow_null=True, help_text="The page before."),
            "results": item(many=True),
            "__doc__": f"A page of {item.__name__.removesuffix('OutputSerializer').lower()}s.",
        },
    )
