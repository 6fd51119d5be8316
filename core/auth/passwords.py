"""Password hashing with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_DUMMY = _hasher.hash("regie-timing-equaliser")
MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; hash a dummy when there is no user so timing does not reveal accounts."""
    try:
        return _hasher.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """The reason a new password is refused (msgid), or None."""
    if len(password) < MIN_LENGTH:
        return "Use at least 10 characters."
    if password.lower() == password and password.isalpha():
        return "Mix letters with digits, capitals or symbols."
    return None
