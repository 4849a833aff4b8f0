"""Housekeeping of login sessions, run by a periodic Taskiq task."""

from __future__ import annotations

from datetime import UTC, datetime

from models import RefreshToken


async def purge_expired_refresh_tokens() -> int:
    """Delete refresh-token rows past their expiry; returns how many went."""
    return await RefreshToken.filter(expires_at__lt=datetime.now(UTC)).delete()
