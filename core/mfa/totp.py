"""TOTP (RFC 6238) through pyotp, with the time step made explicit so a used step can be refused."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

import pyotp
import segno

ISSUER = "Regie"
WINDOW = 1
"""Steps accepted either side of now (pyotp's `valid_window=1`): a phone clock 30 s off still works."""


def new_secret() -> str:
    """160 random bits, base32 (what authenticator apps expect)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The otpauth URI as an SVG QR code in a data: URI (the CSP allows data: images, no inline script)."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


def matching_step(secret: str, code: str, now: datetime, after: int = 0) -> int | None:
    """The time step within the window for which `code` is right and that is newer than `after`; else None."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now.timestamp())
    for offset in range(-WINDOW, WINDOW + 1):
        step = current + offset
        if step > after and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_code() -> str:
    """80 random bits as four groups of four base32 characters (easy to type, hashed with SHA-256)."""
    raw = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def normal_recovery_code(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def looks_like_totp(text: str) -> bool:
    code = text.strip().replace(" ", "")
    return len(code) == 6 and code.isdigit()

