"""JWT access and refresh tokens: HS256 only, iss/aud/typ checked, one jti each."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import jwt

from mall.config import Settings
from mall.errors import Unauthorized

ALGORITHM = "HS256"


class Audience(StrEnum):
    USER = "mall:user"
    ADMIN = "mall:admin"


class TokenType(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"


@dataclass(frozen=True)
class Claims:
    subject: int
    audience: Audience
    typ: TokenType
    jti: str
    family: str
    expires_at: int


def new_id() -> str:
    return secrets.token_urlsafe(24)


def encode(
    settings: Settings,
    *,
    subject: int,
    audience: Audience,
    typ: TokenType,
    family: str,
    jti: str | None = None,
) -> tuple[str, Claims]:
    now = int(time.time())
    ttl = settings.access_token_ttl if typ is TokenType.ACCESS else settings.refresh_token_ttl
    claims = Claims(
        subject=subject,
        audience=audience,
        typ=typ,
        jti=jti or new_id(),
        family=family,
        expires_at=now + ttl,
    )
    payload = {
        "iss": settings.jwt_issuer,
        "aud": audience.value,
        "sub": str(subject),
        "typ": typ.value,
        "jti": claims.jti,
        "fam": family,
        "iat": now,
        "exp": claims.expires_at,
    }
    return jwt.encode(payload, settings.jwt_secret, algorithm=ALGORITHM), claims


def decode(settings: Settings, token: str, *, audience: Audience, typ: TokenType) -> Claims:
    """Verify signature, expiry, issuer, audience and type; anything wrong is a 401."""
    try:
        payload: dict[str, Any] = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[ALGORITHM],
            audience=audience.value,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("Token expired", code="token_expired") from None
    except jwt.InvalidTokenError:
        raise Unauthorized("Invalid token", code="invalid_token") from None
    if payload.get("typ") != typ.value:
        raise Unauthorized("Wrong token type", code="invalid_token")
    try:
        subject = int(payload["sub"])
        family = str(payload["fam"])
    except (KeyError, TypeError, ValueError):
        raise Unauthorized("Invalid token", code="invalid_token") from None
    return Claims(
        subject=subject,
        audience=audience,
        typ=typ,
        jti=str(payload["jti"]),
        family=family,
        expires_at=int(payload["exp"]),
    )
