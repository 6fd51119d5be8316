"""the tenant's short links and their clicks per day

Revision ID: 0014_core_short_links
Revises: 0013_core_tenant_summary
Create Date: 2026-12-14 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014_core_short_links'
down_revision: str | None = '0013_core_tenant_summary'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """`short_link` (the code is unique across tenants: `/l/<code>` names no tenant) and `short_link_click` (one
    row per link and day, raised by an upsert per click). `upgrade` puts row-level security on both."""
    from advanced_alchemy.types import GUID, DateTimeUTC

    op.create_table(
        "short_link",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("tenant_id", GUID(length=16), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("target_url", sa.String(length=2000), nullable=False),
        sa.Column("origin", sa.String(length=40), nullable=False),
        sa.Column("ref_id", GUID(length=16), nullable=True),
        sa.Column("created_by_id", GUID(length=16), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_short_link_tenant_id_tenant"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_short_link_created_by_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_short_link")),
        sa.UniqueConstraint("code", name="uq_short_link_code"),
    )
    with op.batch_alter_table("short_link") as batch:
        batch.create_index(batch.f("ix_short_link_tenant_id"), ["tenant_id"], unique=False)
        batch.create_index("ix_short_link_ref", ["tenant_id", "origin", "ref_id"], unique=False)
    op.create_table(
        "short_link_click",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("tenant_id", GUID(length=16), nullable=False),
        sa.Column("link_id", GUID(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_short_link_click_tenant_id_tenant"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["link_id"], ["short_link.id"], name=op.f("fk_short_link_click_link_id_short_link"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_short_link_click")),
        sa.UniqueConstraint("tenant_id", "link_id", "day", name="uq_short_link_click_day"),
    )
    with op.batch_alter_table("short_link_click") as batch:
        batch.create_index(batch.f("ix_short_link_click_tenant_id"), ["tenant_id"], unique=False)
        batch.create_index("ix_short_link_click_day", ["tenant_id", "day"], unique=False)


def downgrade() -> None:
    op.drop_table("short_link_click")
    op.drop_table("short_link")
