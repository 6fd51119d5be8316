"""Secrets at rest (OIDC client secrets, TOTP seeds): sealed with a key derived from the app's secret key.

One HKDF-derived Fernet key per purpose, so a value sealed for one use can never be unsealed as another,
and a database dump without the secret key reveals nothing.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class SealError(ValueError):
    """The sealed value was altered, or sealed with another secret key or purpose."""


def _fernet(secret_key: str, purpose: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"regie-sealing-v1",
               info=purpose.encode()).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret_key: str, purpose: str, text: str) -> str:
    return _fernet(secret_key, purpose).encrypt(text.encode()).decode()


def unseal(secret_key: str, purpose: str, token: str) -> str:
    try:
        return _fernet(secret_key, purpose).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SealError("sealed value cannot be opened with this key and purpose") from exc
