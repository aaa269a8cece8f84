"""``/openapi.json``: the API's OpenAPI 3.0 document, built from the app's own routes.

Every route of the app is an operation here, with its path parameters taken from the
route's template, so a route cannot be added without appearing. Request bodies come from
the field tables the endpoints validate with (``gateway.ORDER_FIELDS`` for orders, the
paging bounds, ``BROKER_KINDS``); a test holds each table and its schema together. Each
handler's docstring gives its answers (``responses: {201: {description: …}, …}``), read
here by a pattern rather than as YAML, so a comma in a description stays in it. Every
operation but the public ones needs the bearer token (``securitySchemes``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from starlette.routing import BaseRoute, Route

from ordergate.runtime.connections import BROKER_KINDS
from ordergate.runtime.gateway import ORDER_FIELDS
from ordergate.runtime.webhook import MAX_QTY

_RESPONSE = re.compile(r"(\d{3}): \{description: ([^{}]*)\}")
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
ERROR = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "field": {"type": "string"}},
    "required": ["error"],
}
ANY_OBJECT: dict[str, Any] = {"type": "object", "additionalProperties": True}
PRICE = {"type": "number", "exclusiveMinimum": True, "minimum": 0}

# the order body: one schema per field of gateway.ORDER_FIELDS (a test keeps them equal)
ORDER_PROPERTIES: dict[str, dict[str, Any]] = {
    "account": {"type": "string", "minLength": 1},
    "symbol": {"type": "string", "minLength": 1, "example": "ESZ6"},
    "side": {"type": "string", "enum": ["buy", "sell"]},
    "qty": {"type": "integer", "minimum": 1, "maximum": MAX_QTY},
    "type": {"type": "string", "enum": ["market", "limit", "stop", "stop_limit"]},
    "price": PRICE,
    "stop_price": PRICE,
    "source": {"type": "string"},
    "client_order_id": {"type": "string"},
    "intent": {"type": "string"},
}
ORDER = {
    "type": "object",
    "properties": {k: ORDER_PROPERTIES[k] for k in ORDER_FIELDS},
    "required": ["account", "symbol", "side", "qty"],
    "additionalProperties": False,
}
CONFIRM = {"type": "object", "properties": {"confirm": {"type": "boolean"}}}
BODIES: dict[tuple[str, str], tuple[dict[str, Any], bool]] = {
    # (method, path) -> (schema, required)
    ("POST", "/v1/orders"): (ORDER, True),
    ("POST", "/v1/orders/check"): (ORDER, True),
    ("POST", "/v1/accounts/{id}/lock"): (
        {
            "type": "object",
            "properties": {
                "duration": {"type": "string", "example": "session:new_york_open"},
                "enforce": {"type": "boolean"},
            },
        },
        False,
    ),
    ("POST", "/v1/accounts/{id}/enable"): (CONFIRM, False),
    ("POST", "/v1/accounts/{id}/disable"): (CONFIRM, False),
    ("DELETE", "/v1/accounts/{id}"): (CONFIRM, False),
    ("DELETE", "/v1/connections/{name}"): (CONFIRM, False),
    ("PATCH", "/v1/accounts/{id}"): (
        {"type": "object", "properties": {"nickname": {"type": "string", "maxLength": 64, "nullable": True}}},
        True,
    ),
    ("POST", "/v1/kill-switch"): (
        {
            "type": "object",
            "properties": {"confirm": {"type": "string", "enum": ["FLATTEN"]}},
            "required": ["confirm"],
        },
        True,
    ),
    ("POST", "/v1/paper/quotes"): (
        {
            "type": "object",
            "properties": {
                "symbol": {"type": "string"},
                "bid": PRICE,
                "ask": PRICE,
                "last": PRICE,
                "connection": {"type": "string"},
            },
            "required": ["symbol"],
        },
        True,
    ),
    ("POST", "/v1/paper/feed"): (
        {
            "type": "object",
            "properties": {
                "connection": {"type": "string"},
                "state": {"type": "string", "enum": ["cut", "live"]},
            },
            "required": ["connection", "state"],
        },
        True,
    ),
    ("POST", "/v1/connections"): (
        {
            "type": "object",
            "properties": {
                "broker": {"type": "string", "enum": sorted(BROKER_KINDS)},
                "name": {"type": "string", "maxLength": 64},
            },
            "required": ["broker"],
        },
        True,
    ),
    ("POST", "/v1/connections/drafts/{draft}/authenticate"): (ANY_OBJECT, False),
    ("POST", "/v1/connections/drafts/{draft}/accounts"): (ANY_OBJECT, False),
    ("POST", "/v1/connections/{name}/rename"): (
        {
            "type": "object",
            "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 64}},
            "required": ["name"],
        },
        True,
    ),
    ("PATCH", "/v1/connections/{name}"): (
        {
            "type": "object",
            "properties": {
                "execution": {"type": "string", "enum": ["broker_native", "managed"]},
                "mode": {"type": "string", "enum": ["auto", "websocket", "polling"]},
            },
        },
        True,
    ),
    ("POST", "/v1/copy-groups"): (
        {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "leader": {"type": "string"},
                "followers": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "properties": {
                            "account": {"type": "string"},
                            "ratio": {
                                "type": "number",
                                "exclusiveMinimum": True,
                                "minimum": 0,
                                "maximum": 100,
                            },
                        },
                        "required": ["account"],
                    },
                },
            },
            "required": ["name", "leader", "followers"],
        },
        True,
    ),
    ("POST", "/v1/webhooks/{secret}"): (ANY_OBJECT, True),
    ("PATCH", "/v1/webhooks/{name}"): (ANY_OBJECT, True),
}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


PAGED = [
    _query("limit", {"type": "integer", "minimum": 1}, "entries in one page"),
    _query("cursor", {"type": "string"}, "next_cursor of the previous page"),
]
QUERIES: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("GET", "/v1/orders"): [
        _query("account", {"type": "string"}, "only this account's orders"),
        _query("status", {"type": "string", "enum": ["open", "all"]}, "open orders, or the history"),
        *PAGED,
    ],
    ("GET", "/v1/decisions"): [
        _query("account", {"type": "string"}, "only this account's decisions"),
        *PAGED,
    ],
    ("GET", "/v1/decisions/export"): [
        _query(
            "after", {"type": "integer", "minimum": 0}, "next_after of the previous page (0: from the start)"
        ),
        _query(
            "limit", {"type": "integer", "minimum": 1, "maximum": 10000}, "audit entries read for this page"
        ),
        _query("since", {"type": "string", "format": "date-time"}, "only decisions at or after this instant"),
        _query("until", {"type": "string", "format": "date-time"}, "only decisions before this instant"),
        _query("account", {"type": "string"}, "only these accounts: an id or a glob such as DESK-*"),
    ],
    ("GET", "/v1/signals"): [
        _query(
            "status",
            {"type": "string", "enum": ["pending", "approved", "rejected", "expired"]},
            "only signals in this state",
        )
    ],
    ("GET", "/v1/oauth/callback"): [
        _query(name, {"type": "string"}, f"the broker's {name}") for name in ("state", "code", "error")
    ],
}
TEXT_ANSWERS = {"/metrics": "text/plain", "/v1/events": "text/event-stream"}


def _responses(doc: str | None, path: str, public: bool) -> dict[str, Any]:
    found = dict(_RESPONSE.findall(doc or "")) or {"200": "the answer"}
    out: dict[str, Any] = {}
    for status, description in found.items():
        media = TEXT_ANSWERS.get(path, "application/json")
        schema = (
            {"type": "string"} if media != "application/json" else ANY_OBJECT if status < "400" else ERROR
        )
        out[status] = {"description": description.strip(), "content": {media: {"schema": schema}}}
    answers = {"400": "the body or a field is malformed", "422": "a field is wrong; the answer names it"}
    if not public:
        answers |= {"401": "no bearer token", "403": "the bearer token is not valid"}
    for status, description in answers.items():
        out.setdefault(
            status, {"description": description, "content": {"application/json": {"schema": ERROR}}}
        )
    return out


def document(
    routes: Iterable[BaseRoute],
    public: Iterable[str],
    *,
    public_operations: tuple[tuple[str, str], ...] = (("POST", "/v1/webhooks/{secret}"),),
) -> dict[str, Any]:
    """The OpenAPI 3.0 document of ``routes``; ``public`` paths and ``public_operations``
    (an alert, whose URL holds its secret) need no token."""
    public = tuple(public)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        if not isinstance(route, Route) or not route.include_in_schema:
            continue
        path = _PARAM.sub(lambda m: "{" + m.group(1) + "}", route.path)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            key = (method, path)
            is_public = path in public or key in public_operations
            operation: dict[str, Any] = {
                "operationId": f"{method.lower()}_{route.name}",
                "summary": route.name.replace("_", " "),
                "parameters": [
                    {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                    for p in _PARAM.findall(route.path)
                ]
                + QUERIES.get(key, []),
                "responses": _responses(getattr(route.endpoint, "__doc__", None), path, is_public),
            }
            if key in BODIES:
                schema, required = BODIES[key]
                operation["requestBody"] = {
                    "required": required,
                    "content": {"application/json": {"schema": schema}},
                }
            operation["security"] = [] if is_public else [{"bearer": []}]
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": "ordergate runtime", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths,
    }
