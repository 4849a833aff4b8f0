"""Login sessions: token pairs, refresh rotation with reuse detection, logout, ban checks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import bcrypt
from tortoise.transactions import in_transaction

from mall import ratelimit
from mall.auth.passwords import check_password
from mall.auth.tokens import Audience, Claims, TokenType, decode, encode, new_id
from mall.config import Settings
from mall.errors import Forbidden, RateLimited, Unauthorized, UpstreamError, ValidationFailed
from mall.resources import mget
from mall.wechat.miniprogram import MiniProgramClient, WeChatError
from models import Admin, RefreshToken, User

BCRYPT_ROUNDS = 12
BCRYPT_MAX_BYTES = 72
# A real hash to check against when the username is unknown, so a miss costs as much
# time as a wrong password and does not reveal which usernames exist.
_DUMMY_HASH = bcrypt.hashpw(b"mall-timing-equaliser", bcrypt.gensalt(BCRYPT_ROUNDS))


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


def _deny_key(jti: str) -> str:
    return f"mall:auth:deny:{jti}"


def _family_key(family: str) -> str:
    return f"mall:auth:family-revoked:{family}"


async def hash_password(password: str) -> str:
    """bcrypt (cost 12) off the event loop, for a password that meets the policy (422
    `weak_password` otherwise): every way an admin gets a password comes through here."""
    check_password(password)
    salt = bcrypt.gensalt(BCRYPT_ROUNDS)
    hashed = await asyncio.to_thread(bcrypt.hashpw, password.encode(), salt)
    return hashed.decode()


async def verify_password(password: str, hashed: str | None) -> bool:
    raw = password.encode()
    if len(raw) > BCRYPT_MAX_BYTES:
        return False
    target = hashed.encode() if hashed else _DUMMY_HASH
    ok = await asyncio.to_thread(bcrypt.checkpw, raw, target)
    return ok and hashed is not None


async def issue_pair(
    settings: Settings, *, subject: int, audience: Audience, family: str | None = None
) -> TokenPair:
    """A new access + refresh token; the refresh token is recorded for rotation."""
    family = family or new_id()
    access, _ = encode(
        settings, subject=subject, audience=audience, typ=TokenType.ACCESS, family=family
    )
    refresh, claims = encode(
        settings, subject=subject, audience=audience, typ=TokenType.REFRESH, family=family
    )
    await RefreshToken.create(
        jti=claims.jti,
        family=family,
        audience=audience.value,
        subject=subject,
        expires_at=datetime.fromtimestamp(claims.expires_at, UTC),
    )
    return TokenPair(access, refresh, settings.access_token_ttl)


async def revoke_family(settings: Settings, redis: Any, *, family: str) -> None:
    """Every token of one login stops working: refresh rows in the DB, access via Redis."""
    now = datetime.now(UTC)
    await RefreshToken.filter(family=family, revoked_at=None).update(revoked_at=now)
    await redis.set(_family_key(family), "1", ex=settings.refresh_token_ttl)


async def revoke_subject(
    settings: Settings, redis: Any, *, subject: int, audience: Audience
) -> None:
    """End every login of one user or admin (ban, deactivation)."""
    families = (
        await RefreshToken.filter(subject=subject, audience=audience.value, revoked_at=None)
        .distinct()
        .values_list("family", flat=True)
    )
    for family in families:
        await revoke_family(settings, redis, family=str(family))


async def rotate(
    settings: Settings, redis: Any, *, token: str, audience: Audience
) -> tuple[Claims, TokenPair]:
    """Spend a refresh token for a new pair; a spent token presented again revokes its family."""
    claims = decode(settings, token, audience=audience, typ=TokenType.REFRESH)
    now = datetime.now(UTC)
    async with in_transaction():
        won = await RefreshToken.filter(
            jti=claims.jti, used_at=None, revoked_at=None, expires_at__gt=now
        ).update(used_at=now)
    if not won:
        row = await RefreshToken.get_or_none(jti=claims.jti)
        if row is not None and row.used_at is not None and row.revoked_at is None:
            await revoke_family(settings, redis, family=claims.family)
            raise Unauthorized(
                "Refresh token reused; every session of this login is revoked",
                code="refresh_token_reused",
            )
        raise Unauthorized("Refresh token revoked or unknown", code="invalid_refresh_token")
    try:
        await _ensure_subject_allowed(audience, claims.subject)
    except Forbidden:
        await revoke_family(settings, redis, family=claims.family)
        raise
    pair = await issue_pair(
        settings, subject=claims.subject, audience=audience, family=claims.family
    )
    return claims, pair


async def _ensure_subject_allowed(audience: Audience, subject: int) -> None:
    if audience is Audience.USER:
        user = await User.get_or_none(id=subject)
        if user is None or user.banned:
            raise Forbidden("This account is banned", code="account_banned")
    else:
        admin = await Admin.get_or_none(id=subject)
        if admin is None or not admin.is_active:
            raise Forbidden("This admin account is disabled", code="account_disabled")


async def logout(settings: Settings, redis: Any, *, claims: Claims) -> None:
    """The access token is refused from now on, and so is its login's refresh token."""
    ttl = max(claims.expires_at - int(time.time()), 1)
    await redis.set(_deny_key(claims.jti), "1", ex=ttl)
    await revoke_family(settings, redis, family=claims.family)


async def authenticate(settings: Settings, redis: Any, *, token: str, audience: Audience) -> Claims:
    """Verify an access token and that it was not logged out or its family revoked."""
    claims = decode(settings, token, audience=audience, typ=TokenType.ACCESS)
    denied, family_revoked = await mget(redis, [_deny_key(claims.jti), _family_key(claims.family)])
    if denied or family_revoked:
        raise Unauthorized("Token revoked", code="token_revoked")
    return claims


def active_user(user: User | None) -> User:
    """The user a valid token names, if they still exist and are not banned."""
    if user is None:
        raise Unauthorized("Unknown user", code="invalid_token")
    if user.banned:
        raise Forbidden("This account is banned", code="account_banned")
    return user


async def refused_now(redis: Any, *, tokens: Sequence[Claims]) -> dict[str, str]:
    """Of tokens accepted earlier (open sockets), those refused now: jti -> error code.
    One MGET and one query per audience for all of them; expiry is the caller's to check."""
    if not tokens:
        return {}
    keys = [key for c in tokens for key in (_deny_key(c.jti), _family_key(c.family))]
    values = await mget(redis, keys)
    refused = {
        c.jti: "token_revoked"
        for c, denied, family_revoked in zip(tokens, values[0::2], values[1::2], strict=True)
        if denied or family_revoked
    }
    for audience in {c.audience for c in tokens}:
        subjects = list({c.subject for c in tokens if c.audience is audience})
        if audience is Audience.USER:
            ids = await User.filter(id__in=subjects, banned=False).values_list("id", flat=True)
            code = "account_banned"
        else:
            ids = await Admin.filter(id__in=subjects, is_active=True).values_list("id", flat=True)
            code = "account_disabled"
        allowed = set(ids)
        for c in tokens:
            if c.audience is audience and c.subject not in allowed:
                refused.setdefault(c.jti, code)
    return refused


async def wechat_login(
    settings: Settings, redis: Any, wechat: MiniProgramClient, *, code: str, ip: str
) -> tuple[User, TokenPair]:
    """code2session, then the user for that openid (created on first login) and a token pair."""
    if settings.rate_limit_enabled:
        await ratelimit.hit(
            redis,
            key=f"login:ip:{ip}",
            limit=settings.login_limit_per_ip,
            window=settings.login_limit_window,
        )
    try:
        session = await wechat.code2session(code)
    except WeChatError as exc:
        raise _wechat_code_error(exc, what="login") from None
    if settings.rate_limit_enabled:
        await ratelimit.hit(
            redis,
            key=f"login:openid:{session.openid}",
            limit=settings.login_limit_per_account,
            window=settings.login_limit_window,
        )
    now = datetime.now(UTC)
    user, _ = await User.get_or_create(openid=session.openid, defaults={"unionid": session.unionid})
    if user.banned:
        raise Forbidden("This account is banned", code="account_banned")
    update: dict[str, Any] = {"last_login_at": now}
    if session.unionid and user.unionid != session.unionid:
        update["unionid"] = session.unionid
    await User.filter(id=user.id).update(**update)
    pair = await issue_pair(settings, subject=user.id, audience=Audience.USER)
    return user, pair


# errcodes of a code WeChat refused (invalid, already used, from a risky account): the
# client's input was wrong, so 422 naming the field, wherever a code is sent.
REFUSED_CODE_ERRCODES = frozenset({40029, 40163, 40226})


def _wechat_code_error(exc: WeChatError, *, what: str) -> Exception:
    """One mapping of WeChat's answer to a code (wx.login or getPhoneNumber) onto ours."""
    if exc.errcode in REFUSED_CODE_ERRCODES:
        reason = "already used" if exc.errcode == 40163 else "invalid"
        return ValidationFailed(
            f"The WeChat {what} code is {reason}",
            code="invalid_wechat_code",
            details=[
                {
                    "field": "code",
                    "message": f"WeChat refused the code ({reason})",
                    "type": "wechat_code",
                    "errcode": exc.errcode,
                }
            ],
        )
    if exc.errcode == 45011:
        return RateLimited(60, "WeChat is rate limiting these calls; retry in a minute")
    return UpstreamError(f"WeChat {what} is unavailable", details={"errcode": exc.errcode})


async def bind_phone(wechat: MiniProgramClient, *, user: User, code: str) -> User:
    """getuserphonenumber for a phone code, stored on the user."""
    try:
        info = await wechat.phone_number(code)
    except WeChatError as exc:
        raise _wechat_code_error(exc, what="phone") from None
    await User.filter(id=user.id).update(phone=info.pure_phone_number)
    user.phone = info.pure_phone_number
    return user


async def admin_login(
    settings: Settings, redis: Any, *, username: str, password: str, ip: str
) -> tuple[Admin, TokenPair]:
    """Password login for staff, rate limited per IP, per account and IP, and per account.

    Every attempt is counted BEFORE the password is checked, atomically (INCR), so guesses
    sent at once cannot all pass the count while the first ones are still being checked;
    only a success gives its attempt back."""
    account = username.lower()
    account_ip_key = f"admin-login:account-ip:{account}:{ip}"
    account_key = f"admin-login:account:{account}"
    if settings.rate_limit_enabled:
        await ratelimit.hit(
            redis,
            key=f"admin-login:ip:{ip}",
            limit=settings.login_limit_per_ip,
            window=settings.login_limit_window,
        )
        await ratelimit.hit(
            redis,
            key=account_ip_key,
            limit=settings.login_limit_per_account,
            window=settings.login_limit_window,
            message="Too many login attempts for this account from this address",
        )
        await ratelimit.hit(
            redis,
            key=account_key,
            limit=settings.login_account_cap,
            window=settings.login_account_cap_window,
            message="Too many login attempts for this account",
        )
    admin = await Admin.get_or_none(username=username)
    ok = await verify_password(password, admin.password_hash if admin else None)
    if not ok or admin is None:
        raise Unauthorized("Wrong username or password", code="invalid_credentials")
    if settings.rate_limit_enabled:
        # The right password from this address: its earlier typos are forgiven there; the
        # account-wide count only loses this attempt (what others tried stays counted).
        await ratelimit.forget(redis, key=account_ip_key)
        await ratelimit.undo(redis, key=account_key)
    if not admin.is_active:
        raise Forbidden("This admin account is disabled", code="account_disabled")
    await Admin.filter(id=admin.id).update(last_login_at=datetime.now(UTC))
    pair = await issue_pair(settings, subject=admin.id, audience=Audience.ADMIN)
    return admin, pair
