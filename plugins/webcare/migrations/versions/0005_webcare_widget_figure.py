"""the overview widget's figures, computed by the job webcare.widget_figures

Revision ID: 0005_webcare
Revises: 0004_webcare
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0005_webcare"
down_revision: str | None = "0004_webcare"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "webcare_widget_figure",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("tenant_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("first", sa.Date(), nullable=False),
        sa.Column("last", sa.Date(), nullable=False),
        sa.Column("now", sa.JSON(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("per_day", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_webcare_widget_figure_tenant_id_tenant"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webcare_widget_figure")),
        sa.UniqueConstraint("tenant_id", name="uq_webcare_widget_figure_tenant"),
    )
    op.create_index(op.f("ix_webcare_widget_figure_tenant_id"), "webcare_widget_figure", ["tenant_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_webcare_widget_figure_tenant_id"), table_name="webcare_widget_figure")
    op.drop_table("webcare_widget_figure")
