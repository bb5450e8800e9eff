"""Strong ETags on reads: the tag is a digest of the body the client would get, so it changes
exactly when the representation does, and ``If-None-Match`` with the current tag is a 304
without a body (the app keeps its cached copy and the radio stays idle)."""

from __future__ import annotations

import hashlib

from django.utils.cache import get_conditional_response, patch_vary_headers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

VARY = ("Authorization", "Accept-Language")


def body_etag(data) -> str:
    return f'"{hashlib.sha256(JSONRenderer().render(data)).hexdigest()[:32]}"'


def conditional_response(request: Request, data) -> Response:
    """``data`` as a 200 with its ETag, or a 304 when the client already holds it."""
    etag = body_etag(data)
    response = Response(data, headers={"ETag": etag})
    patch_vary_headers(response, VARY)
    not_modified = get_conditional_response(request._request, etag=etag, response=response)
    if not_modified is not response:
        # Django's 304 is a plain HttpResponse; DRF passes it through untouched.
        not_modified["ETag"] = etag
        patch_vary_headers(not_modified, VARY)
        return not_modified
    return response
