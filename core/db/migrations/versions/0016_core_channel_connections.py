"""channel connections: a registered social account's link to its network, credentials sealed

Revision ID: 0016_core_channel_connections
Revises: 0015_core_account_lifecycle
Create Date: 2026-12-14 16:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016_core_channel_connections'
down_revision: str | None = '0015_core_account_lifecycle'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """`channel_connection`: at most one per social account (the connector, the remote identity, the service
    address, sealed credentials and saved session, the state with the last failure, the inbound cursor). Starts
    empty; `upgrade` puts row-level security on it like on every table with a `tenant_id`."""
    from advanced_alchemy.types import GUID, DateTimeUTC

    op.create_table(
        "channel_connection",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("tenant_id", GUID(length=16), nullable=False),
        sa.Column("social_account_id", GUID(length=16), nullable=False),
        sa.Column("connector", sa.String(length=40), nullable=False),
        sa.Column("service_url", sa.String(length=500), nullable=False),
        sa.Column("remote_did", sa.String(length=200), nullable=False),
        sa.Column("remote_handle", sa.String(length=253), nullable=False),
        sa.Column("credentials_sealed", sa.Text(), nullable=False),
        sa.Column("session_sealed", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("inbound_cursor", sa.Text(), nullable=False),
        sa.Column("connected_by_id", GUID(length=16), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_channel_connection_tenant_id_tenant"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["social_account_id"], ["social_account.id"],
                                name=op.f("fk_channel_connection_social_account_id_social_account"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["connected_by_id"], ["user_account.id"],
                                name=op.f("fk_channel_connection_connected_by_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_connection")),
        sa.UniqueConstraint("tenant_id", "social_account_id", name="uq_channel_connection_account"),
    )
    with op.batch_alter_table("channel_connection") as batch:
        batch.create_index(batch.f("ix_channel_connection_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    op.drop_table("channel_connection")
