"""identity and security

Revision ID: 0004_core
Revises: 0003_core
Create Date: 2026-12-03 14:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = '0004_core'
down_revision: str | None = '0003_core'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _upgrade_account_security()


def _upgrade_account_security() -> None:
    """Sessions and accounts: lockout counters, session epoch, password reset token (digest only)."""
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("failed_login_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("reset_token_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("reset_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_user_account_reset_token_hash", ["reset_token_hash"])


def downgrade() -> None:
    _downgrade_account_security()


def _downgrade_account_security() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_index("ix_user_account_reset_token_hash")
        for column in ("reset_expires_at", "reset_token_hash", "session_epoch", "locked_until",
                       "failed_login_at", "failed_logins"):
            batch.drop_column(column)
