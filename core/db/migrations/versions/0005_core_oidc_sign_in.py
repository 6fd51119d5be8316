"""per-tenant OpenID Connect sign-in

Revision ID: 0005_core
Revises: 0004_core
Create Date: 2026-12-03 16:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = '0005_core'
down_revision: str | None = '0004_core'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from advanced_alchemy.types import GUID, DateTimeUTC

    op.create_table(
        "oidc_provider",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=200), nullable=False),
        sa.Column("client_secret_sealed", sa.Text(), nullable=False),
        sa.Column("allowed_domains", sa.JSON(), nullable=False),
        sa.Column("role_claim", sa.String(length=80), nullable=False),
        sa.Column("role_map", sa.JSON(), nullable=False),
        sa.Column("default_role", sa.String(length=20), nullable=False),
        sa.Column("department_claim", sa.String(length=80), nullable=False),
        sa.Column("department_map", sa.JSON(), nullable=False),
        sa.Column("jit_enabled", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("local_passwords_enabled", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_oidc_provider_tenant_id_tenant"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_provider")),
        sa.UniqueConstraint("tenant_id", name="uq_oidc_provider_tenant"),
    )
    with op.batch_alter_table("oidc_provider") as batch:
        batch.create_index(batch.f("ix_oidc_provider_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    op.drop_table("oidc_provider")
