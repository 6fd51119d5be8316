"""sign-in lockout per account and client address, and the unlock link

Revision ID: 0011_core_sign_in_lockout
Revises: 0010_core
Create Date: 2026-12-04 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_core_sign_in_lockout'
down_revision: str | None = '0010_core'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Failed sign-ins per (account, client address) in `login_failure`; the unlock link's digest and expiry on
    `user_account` (the account-wide back-off keeps using `failed_logins`, `failed_login_at`, `locked_until`)."""
    from advanced_alchemy.types import GUID, DateTimeUTC

    op.create_table(
        "login_failure",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("user_id", GUID(length=16), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_login_failure_user_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failure")),
        sa.UniqueConstraint("user_id", "address", name=op.f("uq_login_failure_user_id")),
    )
    with op.batch_alter_table("login_failure") as batch:
        batch.create_index(batch.f("ix_login_failure_user_id"), ["user_id"], unique=False)
        batch.create_index(batch.f("ix_login_failure_expires_at"), ["expires_at"], unique=False)
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("unlock_token_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("unlock_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_user_account_unlock_token_hash", ["unlock_token_hash"])


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_index("ix_user_account_unlock_token_hash")
        batch.drop_column("unlock_expires_at")
        batch.drop_column("unlock_token_hash")
    op.drop_table("login_failure")
