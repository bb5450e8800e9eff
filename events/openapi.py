"""Every event type in the OpenAPI 3.1 document: under `webhooks`, one POST per type whose body
is the CloudEvents envelope with that type's `data` schema (`components.schemas`, named
``Event_<type>``), signed as the `Ledger-Signature` header says. A drf-spectacular
post-processing hook, so the document and `events.schemas` never disagree."""

from __future__ import annotations

from .schemas import SCHEMAS
from .signing import HEADER

CONTENT_TYPE = "application/cloudevents+json"


def component_name(type: str) -> str:
    return "Event_" + type.replace(".", "_")


def _envelope(type: str) -> dict:
    text = {"type": "string"}
    return {
        "type": "object",
        "description": "A CloudEvents 1.0 envelope (structured mode).",
        "properties": {
            "specversion": {"const": "1.0"},
            "id": {**text, "format": "uuid", "description": "Deduplicate on it."},
            "source": text,
            "type": {"const": type},
            "subject": {**text, "description": "e.g. loan/42: the ordering key."},
            "time": {**text, "format": "date-time", "description": "The business timestamp."},
            "datacontenttype": {"const": "application/json"},
            "sequence": {"type": "integer", "description": "Gap-free, per subject, from 1."},
            "businessdate": {**text, "format": "date"},
            "data": {"$ref": f"#/components/schemas/{component_name(type)}"},
        },
        "required": [
            "specversion",
            "id",
            "source",
            "type",
            "subject",
            "time",
            "sequence",
            "businessdate",
            "data",
        ],
    }


def webhook(type: str) -> dict:
    schema = SCHEMAS[type]
    return {
        "post": {
            "operationId": f"webhook_{type.replace('.', '_')}",
            "summary": schema["title"],
            "tags": ["webhooks"],
            "description": (
                f"POSTed to each subscription taking `{type}`, in per-subject sequence order, "
                "at least once (deduplicate on `id`). Verify the signature before trusting it: "
                f'`{HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>` (one '
                "`v1` per secret while one is rotated); `events/signing.py` does it."
            ),
            "parameters": [
                {
                    "name": HEADER,
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string"},
                    "description": "t=<unix seconds>,v1=<hex>[,v1=<hex>]",
                }
            ],
            "requestBody": {
                "required": True,
                "content": {CONTENT_TYPE: {"schema": _envelope(type)}},
            },
            "responses": {
                "2XX": {"description": "Received: the next event of the subject follows."},
                "default": {"description": "Not received: retried with backoff, then parked."},
            },
        }
    }


def webhooks_publish(result, generator, request, public):
    """drf-spectacular hook: add `webhooks` and the data schemas (OpenAPI 3.1)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for type, schema in sorted(SCHEMAS.items()):
        schemas[component_name(type)] = {
            key: value for key, value in schema.items() if key != "$schema"
        }
    result["webhooks"] = {type: webhook(type) for type in sorted(SCHEMAS)}
    return result
