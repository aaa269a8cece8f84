"""The dashboard's routes: the page at ``/``, its static files, sign-in and sign-out,
and the risk view.

``/`` answers the sign-in page without a session and the dashboard with one, its
CSRF token in a ``<meta>`` tag. The static files are package data read as they are
(no build step); only names of the plain ``name.ext`` form are served. Every answer
carries a content security policy that allows this origin only: the page loads
nothing from the network and cannot be framed.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordergate.runtime.body import read_json
from ordergate.runtime.dashboard.risk import risk_view
from ordergate.runtime.dashboard.sessions import COOKIE, Sessions, cookie, cross_site
from ordergate.runtime.errors import RequestError
from ordergate.runtime.service import Runtime

STATIC_PREFIX = "/ui/static/"
SIGN_IN = "/ui/sign-in"
PUBLIC = ("/", SIGN_IN)  # reached without a token or a session
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*\.(html|js|css|svg)$")
_TYPES = {
    "html": "text/html; charset=utf-8",
    "js": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "svg": "image/svg+xml",
}
HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


def is_public(path: str) -> bool:
    return path in PUBLIC or path.startswith(STATIC_PREFIX)


def static_text(name: str) -> str | None:
    if not _NAME.match(name):
        return None
    item = resources.files("ordergate.runtime.dashboard").joinpath("static", name)
    return item.read_text("utf-8") if item.is_file() else None


def _file(name: str, status: int = 200) -> Response:
    text = static_text(name)
    if text is None:
        return _answer(404, {"error": f"no dashboard file {name}", "field": "path"})
    return Response(text, status_code=status, media_type=_TYPES[name.rsplit(".", 1)[1]], headers=HEADERS)


def _answer(status: int, body: Any) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=HEADERS)


def _session_cookie(request: Request, value: str, max_age: int) -> str:
    secure = "; Secure" if request.url.scheme == "https" else ""
    return f"{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"


def routes(rt: Runtime, sessions: Sessions) -> list[Route]:
    async def index(request: Request) -> Response:
        session = sessions.of(request.scope)
        if session is None:
            return _file("signin.html")
        page = static_text("app.html") or ""
        return Response(
            page.replace("{{csrf}}", session.csrf),
            media_type=_TYPES["html"],
            headers=HEADERS,
        )

    async def static(request: Request) -> Response:
        return _file(request.path_params["name"])

    async def sign_in(request: Request) -> Response:
        why = cross_site(request.scope)
        if why is not None:
            return _answer(403, {"error": f"a cross-site sign-in is refused: {why}", "field": "Origin"})
        try:
            body = await read_json(request)
        except RequestError as exc:
            return _answer(exc.status, exc.to_dict())
        token = body.get("token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token.strip():
            return _answer(422, {"error": "enter an API token", "field": "token"})
        if not sessions.token_valid(token.strip()):
            return _answer(
                403, {"error": "that token is not one of this runtime's API tokens", "field": "token"}
            )
        session = sessions.open()
        response = _answer(200, {"signed_in": True, "csrf": session.csrf})
        response.headers["set-cookie"] = _session_cookie(request, session.id, int(sessions.lifetime))
        return response

    async def sign_out(request: Request) -> Response:
        sessions.close(cookie(request.scope))
        response = _answer(200, {"signed_in": False})
        response.headers["set-cookie"] = _session_cookie(request, "", 0)
        return response

    async def risk(request: Request) -> Response:
        return _answer(200, risk_view(rt))

    return [
        Route("/", index, methods=["GET"], include_in_schema=False),
        Route(STATIC_PREFIX + "{name}", static, methods=["GET"], include_in_schema=False),
        Route(SIGN_IN, sign_in, methods=["POST"], include_in_schema=False),
        Route("/ui/sign-out", sign_out, methods=["POST"], include_in_schema=False),
        Route("/ui/risk", risk, methods=["GET"], include_in_schema=False),
    ]
