"""A tenant's own identity provider: one OpenID Connect client configuration per tenant."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, TenantScoped

SECRET_PURPOSE = "oidc-client-secret"
"""Sealing purpose of the client secret (core.auth.sealing): a value sealed here opens nowhere else."""


class OidcProvider(TenantScoped, Base):
    """How the tenant's members sign in with their organisation's provider; the secret is sealed at rest."""

    __tablename__ = "oidc_provider"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_oidc_provider_tenant"),)

    name: Mapped[str] = mapped_column(String(80), default="")
    """Shown on the button: "Sign in with <name>"."""
    issuer: Mapped[str] = mapped_column(String(500), default="")
    client_id: Mapped[str] = mapped_column(String(200), default="")
    client_secret_sealed: Mapped[str] = mapped_column(Text, default="")
    allowed_domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    """E-mail domains that may sign in (lower case); empty: none may."""
    role_claim: Mapped[str] = mapped_column(String(80), default="groups")
    role_map: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    """Claim value → admin/member/viewer; the first match in admin, member, viewer order wins."""
    default_role: Mapped[str] = mapped_column(String(20), default="member")
    department_claim: Mapped[str] = mapped_column(String(80), default="")
    department_map: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    """Claim value → department id (as text)."""
    jit_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    """Just-in-time provisioning: a person from an allowed domain without an account gets one."""
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    local_passwords_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    """Off: members sign in only through the provider (mediators still use /login)."""
