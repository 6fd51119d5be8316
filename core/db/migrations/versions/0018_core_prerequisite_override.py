"""the regie holder's override of a plugin's own prerequisite, with a reason (withdrawn ones stay as history)

Revision ID: 0018_core_prerequisite_override
Revises: 0017_core_customers
Create Date: 2026-12-16 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018_core_prerequisite_override'
down_revision: str | None = '0017_core_customers'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from advanced_alchemy.types import GUID, DateTimeUTC

    op.create_table(
        "prerequisite_override",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("tenant_id", GUID(length=16), nullable=False),
        sa.Column("plugin", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("failing", sa.JSON(), nullable=False),
        sa.Column("by_id", GUID(length=16), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", GUID(length=16), nullable=True),
        sa.Column("withdraw_reason", sa.Text(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_prerequisite_override_tenant_id_tenant"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["by_id"], ["user_account.id"],
                                name=op.f("fk_prerequisite_override_by_id_user_account"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["withdrawn_by_id"], ["user_account.id"],
                                name=op.f("fk_prerequisite_override_withdrawn_by_id_user_account"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prerequisite_override")),
    )
    with op.batch_alter_table("prerequisite_override") as batch:
        batch.create_index(batch.f("ix_prerequisite_override_tenant_id"), ["tenant_id"], unique=False)
        batch.create_index("ix_prerequisite_override_plugin", ["tenant_id", "plugin", "withdrawn_at"], unique=False)


def downgrade() -> None:
    op.drop_table("prerequisite_override")
