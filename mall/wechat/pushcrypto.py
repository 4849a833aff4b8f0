"""WeChat's message-push crypto (消息推送, safe mode): signatures and the AES envelope.

Both sides use it: the mall's receiver opens pushes, the simulator seals them. The scheme:

- URL verification and plain pushes: `signature` = SHA1 of token, timestamp and nonce,
  sorted and joined.
- Safe mode: `msg_signature` = SHA1 of token, timestamp, nonce and the `Encrypt` field,
  sorted and joined. `Encrypt` is base64 of AES-256-CBC (key = base64 of EncodingAESKey
  + "=", IV = its first 16 bytes) over 16 random bytes + the message length (4 bytes,
  network order) + the message + the appid, padded PKCS#7 to a 32-byte block.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

ENCODING_AES_KEY_LENGTH = 43
# WeChat pads to 32 bytes (the key size), not AES's 16-byte block.
PAD_BLOCK = 32
RANDOM_PREFIX = 16
LENGTH_BYTES = 4
_KEY_ALPHABET = string.ascii_letters + string.digits


class PushCryptoError(ValueError):
    """A ciphertext that does not open: bad base64, length, padding, or message length."""


def signature(*parts: str) -> str:
    """SHA1 hex of the parts sorted and joined, as WeChat signs (signature / msg_signature)."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324 - WeChat's


def signatures_match(expected: str, given: str | None) -> bool:
    """Compare in constant time, so the check leaks nothing of the right signature."""
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def new_encoding_aes_key() -> str:
    """A 43-character EncodingAESKey, as the mini-program admin generates one."""
    return "".join(secrets.choice(_KEY_ALPHABET) for _ in range(ENCODING_AES_KEY_LENGTH))


def aes_key_of(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key behind an EncodingAESKey; ValueError for a malformed one."""
    if len(encoding_aes_key) != ENCODING_AES_KEY_LENGTH:
        raise ValueError(f"an EncodingAESKey has {ENCODING_AES_KEY_LENGTH} characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as exc:
        raise ValueError("an EncodingAESKey is letters and digits") from exc
    if len(key) != 32:
        raise ValueError("an EncodingAESKey decodes to 32 bytes")
    return key


@dataclass(frozen=True, slots=True)
class PushKeys:
    """One mini-program's push settings: the token, the AES key and the appid in the envelope."""

    token: str = field(repr=False)
    aes_key: bytes = field(repr=False)
    appid: str

    @classmethod
    def of(cls, *, token: str, encoding_aes_key: str, appid: str) -> PushKeys:
        return cls(token=token, aes_key=aes_key_of(encoding_aes_key), appid=appid)


def encrypt(message: bytes, *, aes_key: bytes, appid: str, prefix: bytes | None = None) -> str:
    """The `Encrypt` field for MESSAGE (random prefix unless given)."""
    prefix = secrets.token_bytes(RANDOM_PREFIX) if prefix is None else prefix
    plain = prefix + len(message).to_bytes(LENGTH_BYTES, "big") + message + appid.encode()
    pad = PAD_BLOCK - len(plain) % PAD_BLOCK
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(aes_key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def decrypt(encrypted: str, *, aes_key: bytes) -> tuple[bytes, str]:
    """The message and the appid sealed in an `Encrypt` field; PushCryptoError if it is not one."""
    try:
        sealed = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError):
        raise PushCryptoError("Encrypt is not base64") from None
    if not sealed or len(sealed) % 16:
        raise PushCryptoError("ciphertext length is not a whole number of AES blocks")
    decryptor = Cipher(algorithms.AES(aes_key), modes.CBC(aes_key[:16])).decryptor()
    plain = decryptor.update(sealed) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= PAD_BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise PushCryptoError("bad padding")
    content = plain[RANDOM_PREFIX:-pad]
    if len(content) < LENGTH_BYTES:
        raise PushCryptoError("too short")
    length = int.from_bytes(content[:LENGTH_BYTES], "big")
    if length > len(content) - LENGTH_BYTES:
        raise PushCryptoError("message length beyond the plaintext")
    message = content[LENGTH_BYTES : LENGTH_BYTES + length]
    try:
        appid = content[LENGTH_BYTES + length :].decode()
    except UnicodeDecodeError:
        raise PushCryptoError("the appid is not text") from None
    return message, appid


@dataclass(frozen=True, slots=True)
class SealedPush:
    """A push as it goes over the wire: the query string and the JSON body."""

    query: dict[str, str]
    body: dict[str, str]


def seal(
    message: bytes,
    *,
    keys: PushKeys,
    timestamp: int,
    nonce: str | None = None,
    to_user: str = "",
) -> SealedPush:
    """A safe-mode JSON push carrying MESSAGE, signed as WeChat signs it."""
    nonce = nonce or str(secrets.randbelow(10**10))
    encrypted = encrypt(message, aes_key=keys.aes_key, appid=keys.appid)
    stamp = str(timestamp)
    return SealedPush(
        query={
            "signature": signature(keys.token, stamp, nonce),
            "timestamp": stamp,
            "nonce": nonce,
            "encrypt_type": "aes",
            "msg_signature": signature(keys.token, stamp, nonce, encrypted),
        },
        body={"ToUserName": to_user, "Encrypt": encrypted},
    )
