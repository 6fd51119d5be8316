"""the tenant's customers: one identity signed in by e-mail link, for every plugin's public pages

Revision ID: 0017_core_customers
Revises: 0016_core_channel_connections
Create Date: 2026-12-15 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017_core_customers'
down_revision: str | None = '0016_core_channel_connections'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """`customer` (one per address and tenant) and `customer_login` (single-use links, their digest only).
    Empty here: the webcare plugin's migration moves its community customers in, with the same ids. Row-level
    security comes on both after the migrations, like on every table with a `tenant_id`."""
    from advanced_alchemy.types import GUID, DateTimeUTC

    op.create_table(
        "customer",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("tenant_id", GUID(length=16), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=80), nullable=False),
        sa.Column("is_blocked", sa.Boolean(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_customer_tenant_id_tenant"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer")),
        sa.UniqueConstraint("tenant_id", "email", name="uq_customer_email"),
    )
    with op.batch_alter_table("customer") as batch:
        batch.create_index(batch.f("ix_customer_tenant_id"), ["tenant_id"], unique=False)
    op.create_table(
        "customer_login",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("tenant_id", GUID(length=16), nullable=False),
        sa.Column("customer_id", GUID(length=16), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("client_ip", sa.String(length=45), nullable=False, server_default=""),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_customer_login_tenant_id_tenant"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name=op.f("fk_customer_login_customer_id_customer"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_login")),
        sa.UniqueConstraint("token_digest", name="uq_customer_login_token"),
    )
    with op.batch_alter_table("customer_login") as batch:
        batch.create_index(batch.f("ix_customer_login_tenant_id"), ["tenant_id"], unique=False)
        batch.create_index("ix_customer_login_ip", ["tenant_id", "client_ip", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_table("customer_login")
    op.drop_table("customer")
