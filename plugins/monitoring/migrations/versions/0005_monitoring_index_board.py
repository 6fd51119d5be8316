"""the Conversation Index page's boards per period, computed by the board job

Revision ID: 0005_monitoring
Revises: 0004_monitoring
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0005_monitoring"
down_revision: str | None = "0004_monitoring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "monitoring_index_board",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("tenant_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("period", sa.String(length=4), nullable=False),
        sa.Column("first", sa.Date(), nullable=False),
        sa.Column("last", sa.Date(), nullable=False),
        sa.Column("board", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_monitoring_index_board_tenant_id_tenant"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_index_board")),
        sa.UniqueConstraint("tenant_id", "period", name="uq_monitoring_index_board_period"),
    )
    op.create_index(op.f("ix_monitoring_index_board_tenant_id"), "monitoring_index_board", ["tenant_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_monitoring_index_board_tenant_id"), table_name="monitoring_index_board")
    op.drop_table("monitoring_index_board")
