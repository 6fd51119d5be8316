"""Password hashing with argon2id, and the rules a new password must meet."""

from __future__ import annotations

from functools import lru_cache

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_DUMMY = _hasher.hash("regie-timing-equaliser")
MIN_LENGTH = 12
COMMON_COUNT = 10_000
"""How many of the most used passwords (zxcvbn's offline frequency list) are refused."""


def use_parameters(parameters: Parameters) -> None:
    """Swap the argon2 cost (the test suite uses argon2's CHEAPEST profile: thousands of hashes, no attacker).

    Existing hashes keep verifying: argon2 stores the parameters inside each hash.
    """
    global _hasher, _DUMMY
    _hasher = PasswordHasher.from_parameters(parameters)
    _DUMMY = _hasher.hash("regie-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; hash a dummy when there is no user so timing does not reveal accounts."""
    try:
        return _hasher.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    """The most used passwords, shipped inside the zxcvbn package (nothing is fetched at run time)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON_COUNT])


def is_common(password: str) -> bool:
    """Common as typed, or a common word with only digits/symbols around it ("Password2026!")."""
    lowered = password.lower()
    core = lowered.strip("0123456789!@#$%^&*()-_=+.,?~ ")
    return lowered in _common() or (len(core) >= 4 and core in _common())


def password_problem(password: str, email: str = "", tenant_name: str = "") -> str | None:
    """The reason a new password is refused (msgid), or None."""
    if len(password) < MIN_LENGTH:
        return "Use at least 12 characters."
    if password.lower() == password and password.isalpha():
        return "Mix letters with digits, capitals or symbols."
    if is_common(password):
        return "This password is too common; choose another."
    local = email.split("@", 1)[0].strip().lower()
    if _leans_on(password, [local]):
        return "Do not use your e-mail address in the password."
    tenant = tenant_name.strip().lower()
    if _leans_on(password, [tenant, tenant.replace(" ", ""), *tenant.split()]):
        return "Do not use the organisation's name in the password."
    return None


def _leans_on(password: str, words: list[str]) -> bool:
    """Whether the password is little more than one of these words: without it, under MIN_LENGTH remain.

    ("Mediator-wachtwoord-1" for mediator@… still has 13 characters of its own; "Anna-2026!" for anna@… not.)"""
    lowered = password.lower()
    return any(len(word) >= 3 and word in lowered and len(lowered.replace(word, "")) < MIN_LENGTH
               for word in words)
