"""the KPI page's figures, computed by the job webcare.kpi_figures: day rows and the preset periods; an index on
the cases' opening moment for every KPI question (cases opened in a period)

Revision ID: 0006_webcare
Revises: 0005_webcare

Measured with 200,000 cases over a year on PostgreSQL: without `ix_webcare_case_opened` every KPI question read
all of the tenant's cases (the last 7 days' figures 200 ms, the last 30 days' 240 ms), with it 45 and 90 ms.
The index is written once per case (the opening moment never changes).
"""
from collections.abc import Sequence
from typing import Any

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0006_webcare"
down_revision: str | None = "0005_webcare"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _audit_columns() -> list[sa.Column]:
    return [
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    ]


def _owned(table: str) -> list[Any]:
    return [
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("tenant_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f(f"fk_{table}_tenant_id_tenant"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "webcare_day_figure",
        *_owned("webcare_day_figure"),
        sa.Column("day", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in (
            "opened", "negative", "ended", "within_sla", "negative_ended", "turned", "answers", "customer_answers")),
        sa.Column("first_response_median", sa.Float(), nullable=True),
        sa.Column("first_response_p90", sa.Float(), nullable=True),
        *_audit_columns(),
        sa.UniqueConstraint("tenant_id", "day", name="uq_webcare_day_figure_day"),
    )
    op.create_index(op.f("ix_webcare_day_figure_tenant_id"), "webcare_day_figure", ["tenant_id"])
    op.create_table(
        "webcare_period_figure",
        *_owned("webcare_period_figure"),
        sa.Column("presets", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("days_through", sa.DateTime(timezone=True), nullable=False),
        sa.Column("full_on", sa.Date(), nullable=False),
        sa.Column("erased", sa.Integer(), nullable=False),
        sa.Column("erased_seen", sa.Integer(), nullable=False),
        *_audit_columns(),
        sa.UniqueConstraint("tenant_id", name="uq_webcare_period_figure_tenant"),
    )
    op.create_index(op.f("ix_webcare_period_figure_tenant_id"), "webcare_period_figure", ["tenant_id"])
    op.create_index("ix_webcare_case_opened", "webcare_case", ["tenant_id", "opened_at"])


def downgrade() -> None:
    op.drop_index("ix_webcare_case_opened", table_name="webcare_case")
    op.drop_index(op.f("ix_webcare_period_figure_tenant_id"), table_name="webcare_period_figure")
    op.drop_table("webcare_period_figure")
    op.drop_index(op.f("ix_webcare_day_figure_tenant_id"), table_name="webcare_day_figure")
    op.drop_table("webcare_day_figure")
