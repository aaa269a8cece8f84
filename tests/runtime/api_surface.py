"""Every endpoint of the API that reads a body, for the tests that throw bad bodies at all
of them. Draft ids and names that do not exist are fine: the body is read first."""

from __future__ import annotations

WEBHOOK_SECRET = "s3cr3t-hook"

# (method, path) of every endpoint that takes a body or ignores one
WRITE_ENDPOINTS: tuple[tuple[str, str], ...] = (
    ("POST", "/v1/orders"),
    ("POST", "/v1/orders/check"),
    ("DELETE", "/v1/orders/nope"),
    ("POST", "/v1/accounts/PAPER-1/flatten"),
    ("POST", "/v1/accounts/PAPER-1/lock"),
    ("POST", "/v1/accounts/PAPER-1/unlock"),
    ("POST", "/v1/accounts/PAPER-1/enable"),
    ("POST", "/v1/accounts/PAPER-1/disable"),
    ("POST", "/v1/accounts/PAPER-1/resume"),
    ("PATCH", "/v1/accounts/PAPER-1"),
    ("DELETE", "/v1/accounts/PAPER-1"),
    ("POST", "/v1/kill-switch"),
    ("POST", f"/v1/webhooks/{WEBHOOK_SECRET}"),
    ("POST", "/v1/paper/quotes"),
    ("POST", "/v1/paper/feed"),
    ("POST", "/v1/connections"),
    ("POST", "/v1/connections/drafts/d0/authenticate"),
    ("POST", "/v1/connections/drafts/d0/accounts"),
    ("PATCH", "/v1/connections/Paper"),
    ("DELETE", "/v1/connections/Paper"),
    ("POST", "/v1/connections/Paper/refresh"),
    ("POST", "/v1/connections/Paper/rename"),
    ("POST", "/v1/connections/Paper/reconnect"),
    ("POST", "/v1/copy-groups"),
    ("DELETE", "/v1/copy-groups/g"),
)
