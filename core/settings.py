"""Settings read once from the environment, so every process (web, worker, CLI) agrees."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _var_dir() -> Path:
    return Path(os.environ.get("REGIE_VAR_DIR", ROOT / "var"))


def _secret_key(var_dir: Path) -> str:
    """Use SECRET_KEY, else a key generated once and kept under var/ so sessions survive restarts."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    return key


@dataclass
class Settings:
    var_dir: Path = field(default_factory=_var_dir)
    database_url: str = ""
    """SQLAlchemy async URL; SQLite under var/ unless DATABASE_URL is set."""
    broker_url: str = ""
    """Empty: jobs run on an in-process worker. redis:// or amqp://: external `regie worker` processes."""
    redis_url: str = ""
    """Server-side session store; empty: a file store under var/sessions."""
    smtp_url: str = ""
    """smtp://user:pass@host:port; empty: mails are written to var/outbox and shown on /dev/mailbox."""
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    """BASE_URL: the public address, for links in mails. `regie serve` sets it to where it listens when unset."""
    trust_proxy: bool = False
    """REGIE_TRUST_PROXY=1: a reverse proxy in front sets X-Forwarded-Proto; believe it for HSTS."""
    forwarded_allow_ips: tuple[str, ...] = ()
    """FORWARDED_ALLOW_IPS: addresses or networks of the reverse proxies (comma-separated, e.g.
    `127.0.0.1,10.0.0.0/8`) whose X-Forwarded-For and X-Forwarded-Proto `regie serve` believes. Empty (the
    default): no proxy is trusted and the client address is the connecting one."""
    debug: bool = False
    login_attempts_per_minute: int = 10
    """Per client address, on every sign-in form (Litestar's rate limiter)."""
    lockout_failures: int = 5
    lockout_window_minutes: int = 15
    """`lockout_failures` failed sign-ins for one account from one client address within this window lock the
    account for that address (only) for `lockout_minutes` (`core.auth.lockout`)."""
    lockout_minutes: int = 15
    backoff_failures: int = 20
    """From this many failed sign-ins of one account from all addresses together, every further failure makes
    the account's next attempt wait: `backoff_first_seconds`, doubled per failure, at most `backoff_max_seconds`."""
    backoff_first_seconds: int = 15
    backoff_max_seconds: int = 300
    backoff_quiet_minutes: int = 60
    """The account-wide count starts over after this long without a failure."""
    unlock_minutes: int = 24 * 60
    """The unlock link mailed to the owner of a locked account is valid this long, once."""
    session_idle_hours: float = 8
    """A session without a request for this long ends (REGIE_SESSION_IDLE_HOURS)."""
    session_absolute_hours: float = 7 * 24
    """A session ends this long after sign-in, however active (REGIE_SESSION_ABSOLUTE_HOURS)."""
    reset_minutes: int = 60
    """A password-reset link is valid this long, once."""
    invitation_days: int = 7
    dev_mailbox: bool = False
    """REGIE_DEV_MAILBOX=1 (set by `make serve`): show mail kept in var/outbox at /dev/mailbox to mediators."""
    db_pool_size: int = 10
    """0: no connection pool (tests, where the app and the test run on different event loops)."""
    db_role: str = "regie_app"
    """REGIE_DB_ROLE: on PostgreSQL every connection switches to this role, which owns no table, so row-level
    security applies (`core.db.rls`); empty: stay the login user (then that user must not own the tables)."""
    outbound_allow: tuple[str, ...] = ()
    """REGIE_OUTBOUND_ALLOW: hosts or networks (comma-separated, e.g. `127.0.0.1,10.0.0.0/8`) that outbound
    fetches (feeds, webhooks) may reach although they are private, loopback or link-local."""
    mfa_enforced: bool = True
    """REGIE_MFA_ENFORCED (default on; `0` turns it off): mediators, and admins where the tenant asks for it,
    must sign in with a second factor (TOTP)."""
    mediator_oidc_issuer: str = ""
    """REGIE_MEDIATOR_OIDC_ISSUER: the consultancy's own provider for mediators (empty: password only)."""
    mediator_oidc_client_id: str = ""
    mediator_oidc_client_secret: str = ""

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        var_dir = Path(str(overrides.pop("var_dir", _var_dir())))
        db_default = f"sqlite+aiosqlite:///{var_dir / 'regie.sqlite3'}"
        values: dict[str, object] = {
            "var_dir": var_dir,
            "database_url": _async_url(os.environ.get("DATABASE_URL", db_default)),
            "broker_url": os.environ.get("BROKER_URL", ""),
            "redis_url": os.environ.get("REDIS_URL", ""),
            "smtp_url": os.environ.get("SMTP_URL", ""),
            "secret_key": _secret_key(var_dir),
            "base_url": (os.environ.get("BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
            "debug": os.environ.get("REGIE_DEBUG", "") == "1",
            "trust_proxy": os.environ.get("REGIE_TRUST_PROXY", "") == "1",
            "dev_mailbox": os.environ.get("REGIE_DEV_MAILBOX", "") == "1",
            "db_role": os.environ.get("REGIE_DB_ROLE", "regie_app").strip(),
            "session_idle_hours": float(os.environ.get("REGIE_SESSION_IDLE_HOURS", "8")),
            "session_absolute_hours": float(os.environ.get("REGIE_SESSION_ABSOLUTE_HOURS", str(7 * 24))),
            "mfa_enforced": os.environ.get("REGIE_MFA_ENFORCED", "1").strip().lower() not in ("0", "false", "no"),
            "mediator_oidc_issuer": os.environ.get("REGIE_MEDIATOR_OIDC_ISSUER", "").strip(),
            "mediator_oidc_client_id": os.environ.get("REGIE_MEDIATOR_OIDC_CLIENT_ID", "").strip(),
            "mediator_oidc_client_secret": os.environ.get("REGIE_MEDIATOR_OIDC_CLIENT_SECRET", ""),
            "outbound_allow": tuple(h.strip() for h in os.environ.get("REGIE_OUTBOUND_ALLOW", "").split(",")
                                    if h.strip()),
            "forwarded_allow_ips": tuple(h.strip() for h in os.environ.get("FORWARDED_ALLOW_IPS", "").split(",")
                                         if h.strip()),
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        """Session and CSRF cookies get the Secure flag when the app is served over https."""
        return self.base_url.startswith("https://")

    @property
    def outbox_dir(self) -> Path:
        return self.var_dir / "outbox"


def _async_url(url: str) -> str:
    """Accept the usual postgres:// and postgresql:// spellings and pick the async driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix):]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///"):]
    return url
