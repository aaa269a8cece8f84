"""ProjectX session tokens: JWTs that live 24 hours.

The simulator issues real HS256 JWTs, because clients decode the ``exp`` claim to
schedule their refresh; the adapter reads ``exp`` the same way (without verifying the
signature, which only the issuer can) and refreshes through ``Auth/validate`` a margin
before it. A token whose ``exp`` cannot be read is assumed to live the documented 24 h
from when it was received.
"""

from __future__ import annotations

import secrets

import jwt

TOKEN_LIFETIME = 24 * 3600.0
REFRESH_MARGIN = 30 * 60.0  # validate half an hour before expiry: room for a failed try


def issue(subject: str, session: str, issued: float, secret: str, lifetime: float = TOKEN_LIFETIME) -> str:
    claims = {
        "sub": subject,
        "sid": session,
        "jti": secrets.token_hex(8),
        "iat": int(issued),
        "nbf": int(issued),
        "exp": int(issued + lifetime),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def verify(token: str, secret: str, now: float) -> dict[str, object] | None:
    """The claims of a token we issued and that is still valid at ``now``; None otherwise."""
    try:
        claims: dict[str, object] = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        return None
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp <= now:
        return None
    return claims


def expiry(token: str, received: float) -> float:
    """When a token expires, read from its ``exp`` claim (or 24 h after ``received``)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return received + TOKEN_LIFETIME
    exp = claims.get("exp")
    return (
        float(exp)
        if isinstance(exp, int | float) and not isinstance(exp, bool)
        else received + TOKEN_LIFETIME
    )


def refresh_at(token: str, received: float) -> float:
    """When to validate the token: a margin before expiry, never before it was received."""
    return max(received, expiry(token, received) - REFRESH_MARGIN)
