"""Test keys for WeChat Pay (the merchant's and the simulated platform's) and for the
message push (token and EncodingAESKey), made once and kept.

`mall dev` calls `ensure_dev_keys(Path(".mall/keys"))` and hands `DevKeys.env()` to both the
app and the simulator, so the real SDK signs and verifies with real RSA keys offline, and
the simulator's pushes open with the mall's push key.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mall.wechat.pushcrypto import new_encoding_aes_key

MERCHANT_PRIVATE_KEY = "merchant_private_key.pem"
MERCHANT_PUBLIC_KEY = "merchant_public_key.pem"
PLATFORM_PRIVATE_KEY = "platform_private_key.pem"
PLATFORM_PUBLIC_KEY = "platform_public_key.pem"
# Written last: its presence means the whole set is complete.
META = "keys.json"
RSA_BITS = 2048


@dataclass(frozen=True, slots=True)
class DevKeys:
    """Where one set of test keys lives, with the identifiers WeChat would have issued."""

    directory: Path
    merchant_serial_no: str
    platform_public_key_id: str
    apiv3_key: str = field(repr=False)
    push_token: str = field(repr=False, default="")
    push_aes_key: str = field(repr=False, default="")

    @property
    def merchant_private_key_path(self) -> Path:
        return self.directory / MERCHANT_PRIVATE_KEY

    @property
    def merchant_public_key_path(self) -> Path:
        return self.directory / MERCHANT_PUBLIC_KEY

    @property
    def platform_private_key_path(self) -> Path:
        return self.directory / PLATFORM_PRIVATE_KEY

    @property
    def platform_public_key_path(self) -> Path:
        return self.directory / PLATFORM_PUBLIC_KEY

    def env(self) -> dict[str, str]:
        """MALL_* variables that point the app's gateway and the simulator at these keys."""
        return {
            "MALL_WECHAT_PAY_PRIVATE_KEY_PATH": str(self.merchant_private_key_path),
            "MALL_WECHAT_PAY_CERT_SERIAL_NO": self.merchant_serial_no,
            "MALL_WECHAT_PAY_APIV3_KEY": self.apiv3_key,
            "MALL_WECHAT_PAY_PUBLIC_KEY_PATH": str(self.platform_public_key_path),
            "MALL_WECHAT_PAY_PUBLIC_KEY_ID": self.platform_public_key_id,
            "MALL_WECHAT_SIM_PLATFORM_PRIVATE_KEY_PATH": str(self.platform_private_key_path),
            "MALL_WECHAT_SIM_MERCHANT_PUBLIC_KEY_PATH": str(self.merchant_public_key_path),
            "MALL_WECHAT_PUSH_TOKEN": self.push_token,
            "MALL_WECHAT_PUSH_AES_KEY": self.push_aes_key,
        }


def ensure_dev_keys(directory: Path) -> DevKeys:
    """Load the key set in DIRECTORY, generating it the first time (private files mode 0600)."""
    meta_path = directory / META
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if "push_token" not in meta:  # a key set from before pushes: add theirs
            meta |= _new_push_keys()
            _write(meta_path, json.dumps(meta, indent=2).encode(), private=True)
        return DevKeys(
            directory=directory,
            merchant_serial_no=meta["merchant_serial_no"],
            platform_public_key_id=meta["platform_public_key_id"],
            apiv3_key=meta["apiv3_key"],
            push_token=meta["push_token"],
            push_aes_key=meta["push_aes_key"],
        )
    directory.mkdir(parents=True, exist_ok=True)
    for private_name, public_name in (
        (MERCHANT_PRIVATE_KEY, MERCHANT_PUBLIC_KEY),
        (PLATFORM_PRIVATE_KEY, PLATFORM_PUBLIC_KEY),
    ):
        key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
        _write(directory / private_name, private_pem(key), private=True)
        _write(directory / public_name, public_pem(key.public_key()), private=False)
    keys = DevKeys(
        directory=directory,
        # A merchant certificate serial is 40 upper-case hex digits.
        merchant_serial_no=secrets.token_hex(20).upper(),
        platform_public_key_id=f"PUB_KEY_ID_{secrets.randbelow(10**30):030d}",
        apiv3_key=secrets.token_hex(16),  # WeChat wants exactly 32 ASCII characters
        **_new_push_keys(),
    )
    meta = {
        "merchant_serial_no": keys.merchant_serial_no,
        "platform_public_key_id": keys.platform_public_key_id,
        "apiv3_key": keys.apiv3_key,
        "push_token": keys.push_token,
        "push_aes_key": keys.push_aes_key,
    }
    _write(meta_path, json.dumps(meta, indent=2).encode(), private=True)
    return keys


def _new_push_keys() -> dict[str, str]:
    # The mini-program admin takes a 3-32 character token and a 43-character key.
    return {"push_token": secrets.token_hex(16), "push_aes_key": new_encoding_aes_key()}


def private_pem(key: rsa.RSAPrivateKey) -> bytes:
    """PKCS#8 PEM, the form the merchant private key file from WeChat Pay has."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(key: rsa.RSAPublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM, the form of WeChat Pay's downloadable public key."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _write(path: Path, data: bytes, *, private: bool) -> None:
    # Write beside and rename, so a crash never leaves half a key that a later run trusts.
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)
