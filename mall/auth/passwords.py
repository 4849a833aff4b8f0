"""The staff password policy: long enough, and not one everyone tries first."""

from __future__ import annotations

import functools
import string
from pathlib import Path

from mall.errors import ValidationFailed

MIN_LENGTH = 12
MAX_BYTES = 72  # bcrypt reads no further (and bcrypt 5 refuses longer input)
MIN_DISTINCT_CHARACTERS = 5
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt")
_DECORATION = string.digits + string.punctuation + " "


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords and password stems, lower-cased."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def weakness(password: str) -> tuple[str, str] | None:
    """Why PASSWORD is refused, as (type, message), or None if it is acceptable."""
    if len(password) < MIN_LENGTH:
        return "too_short", f"at least {MIN_LENGTH} characters"
    if len(password.encode()) > MAX_BYTES:
        return "too_long", f"at most {MAX_BYTES} bytes"
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        return "too_repetitive", f"at least {MIN_DISTINCT_CHARACTERS} different characters"
    lowered = password.lower()
    # "Password2024!" is "password" with the year and a symbol: the stem is what counts.
    stem = lowered.rstrip(_DECORATION)
    common = common_passwords()
    if lowered in common or stem in common:
        return "common_password", "too common: it is on every list of passwords tried first"
    return None


def check_password(password: str, *, field: str = "password") -> None:
    """422 `weak_password` naming FIELD unless the password meets the policy."""
    problem = weakness(password)
    if problem is not None:
        kind, message = problem
        raise ValidationFailed(
            f"The password is too weak: {message}",
            code="weak_password",
            details=[{"field": field, "message": message, "type": kind}],
        )
