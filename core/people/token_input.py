"""Validating what a new API token may do (scopes) and for how long (expiry)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from core.auth.models import TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS
from core.auth.permissions import TOKEN_SCOPES
from core.errors import DomainError
from core.validation import clean_date

DEFAULT_SCOPES = ("read",)
"""Least privilege when a form sends no scope (unchecked boxes send nothing)."""


def clean_scopes(value: Any) -> str:
    """Known scopes, space-separated in the order of `TOKEN_SCOPES`; an unknown one is a 422."""
    items = value if isinstance(value, list | tuple | set | frozenset) else str(value or "").replace(",", " ").split()
    chosen = {str(item).strip() for item in items if str(item).strip()} or set(DEFAULT_SCOPES)
    unknown = chosen - set(TOKEN_SCOPES)
    if unknown:
        raise DomainError(field="scopes", msgid="Choose one of: {choices}.", choices=", ".join(TOKEN_SCOPES))
    return " ".join(scope for scope in TOKEN_SCOPES if scope in chosen)


def default_expiry_date(today: date | None = None) -> date:
    return (today or datetime.now(UTC).date()) + timedelta(days=TOKEN_DEFAULT_DAYS)


def clean_expiry(value: Any, now: datetime | None = None) -> datetime:
    """The last day the token works (end of that day, UTC): after today, at most a year ahead; none given
    means the default of 90 days. Every token expires."""
    now = now or datetime.now(UTC)
    day = clean_date(value, "expires_at", required=False) if not isinstance(value, datetime) else value.date()
    if day is None:
        day = default_expiry_date(now.date())
    if day <= now.date():
        raise DomainError(field="expires_at", msgid="Choose a date after today.")
    if day > now.date() + timedelta(days=TOKEN_MAX_DAYS):
        raise DomainError(field="expires_at", msgid="A token may be valid for at most a year.")
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
