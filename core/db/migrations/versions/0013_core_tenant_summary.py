"""the mediator's per-tenant summary

Revision ID: 0013_core_tenant_summary
Revises: 0012_core_pilot_hand_entered
Create Date: 2026-12-07 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013_core_tenant_summary'
down_revision: str | None = '0012_core_pilot_hand_entered'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """`tenant_summary`: one row per tenant with what the console, the comparison and the benchmark show, written
    by the job `core.mediator.summary`. Starts empty: the pages say "being computed" until the job ran (every few
    minutes for every tenant); `upgrade` puts row-level security on it like on every table with a `tenant_id`."""
    from advanced_alchemy.types import GUID, DateTimeUTC

    op.create_table(
        "tenant_summary",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("tenant_id", GUID(length=16), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("gate_holding", sa.Integer(), nullable=False),
        sa.Column("gate_total", sa.Integer(), nullable=False),
        sa.Column("gate_failing", sa.JSON(), nullable=False),
        sa.Column("overrides", sa.JSON(), nullable=False),
        sa.Column("kpis", sa.JSON(), nullable=False),
        sa.Column("recent", sa.JSON(), nullable=False),
        sa.Column("recent_first", sa.Date(), nullable=False),
        sa.Column("recent_last", sa.Date(), nullable=False),
        sa.Column("alerts_unread", sa.Integer(), nullable=False),
        sa.Column("alerts_latest_kind", sa.String(length=80), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_tenant_summary_tenant_id_tenant"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_summary")),
        sa.UniqueConstraint("tenant_id", name="uq_tenant_summary_tenant"),
    )
    with op.batch_alter_table("tenant_summary") as batch:
        batch.create_index(batch.f("ix_tenant_summary_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    op.drop_table("tenant_summary")
