"""The API's JSON answers: how a body is encoded, and how a failure is answered.

One place for both, so the Starlette routes (runtime/api.py) and the plain ASGI order
routes (runtime/hot_orders.py) answer alike, byte for byte.

Bodies are encoded by ``json_bytes.dumps`` (orjson, the store's encoder too): UTF-8 as
it is, no spaces, as Starlette's ``JSONResponse`` writes them.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.responses import JSONResponse

from ordergate.runtime.errors import BrokerError, RequestError, StoreError
from ordergate.runtime.json_bytes import dumps
from ordergate.runtime.metrics import Metrics
from ordergate.runtime.prices import PriceError, refuse

__all__ = ["FastJSONResponse", "encode", "failure"]

log = logging.getLogger("ordergate.api")


encode = dumps


class FastJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return encode(content)


def failure(metrics: Metrics, exc: Exception, method: str, path: str) -> tuple[int, dict[str, Any]]:
    """The answer to a request whose handler raised ``exc``; never a traceback."""
    if isinstance(exc, PriceError):
        source = "webhook" if path.startswith("/v1/webhooks/") else "api"
        refuse(metrics, source, exc, f"{method} {path}")
        return exc.status, exc.to_dict()
    if isinstance(exc, RequestError):
        return exc.status, exc.to_dict()
    if isinstance(exc, BrokerError):  # the request was fine; the broker behind it was not
        return 502, {"error": f"the broker failed: {exc}", "field": "broker"}
    if isinstance(exc, StoreError):
        log.error("state store failure on %s %s: %s", method, path, exc)
        return 503, {"error": f"the state store failed: {exc}", "field": "store"}
    # a defect: logged with its traceback, which the client never sees
    log.error("unexpected failure on %s %s", method, path, exc_info=exc)
    return 500, {"error": "internal error; the runtime's log has the details"}
