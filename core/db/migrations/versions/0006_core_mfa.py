"""MFA: TOTP and recovery codes

Revision ID: 0006_core
Revises: 0005_core
Create Date: 2026-12-03 16:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = '0006_core'
down_revision: str | None = '0005_core'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """A sealed TOTP seed per user, hashed single-use recovery codes, and the tenant's "MFA for admins"."""
    from advanced_alchemy.types import GUID, DateTimeUTC

    op.create_table(
        "mfa_factor",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("user_id", GUID(length=16), nullable=False),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_mfa_factor_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_factor")),
    )
    with op.batch_alter_table("mfa_factor") as batch:
        batch.create_index(batch.f("ix_mfa_factor_user_id"), ["user_id"], unique=True)
    op.create_table(
        "mfa_recovery_code",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("user_id", GUID(length=16), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_mfa_recovery_code_user_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_recovery_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_mfa_recovery_code_code_hash")),
    )
    with op.batch_alter_table("mfa_recovery_code") as batch:
        batch.create_index(batch.f("ix_mfa_recovery_code_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("tenant") as batch:
        batch.add_column(sa.Column("mfa_required_for_admins", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("tenant") as batch:
        batch.drop_column("mfa_required_for_admins")
    op.drop_table("mfa_recovery_code")
    op.drop_table("mfa_factor")
