"""regie proposals: the regie holder is proposed by one person and confirmed by another

Revision ID: 0010_core
Revises: 0009_core
Create Date: 2026-12-10 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010_core'
down_revision: str | None = '0009_core'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from advanced_alchemy.types import GUID, DateTimeUTC

    op.create_table(
        "regie_proposal",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("membership_id", GUID(length=16), nullable=False),
        sa.Column("proposed_by_id", GUID(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by_id", GUID(length=16), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("appointment_id", GUID(length=16), nullable=True),
        sa.Column("tenant_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["membership_id"], ["membership.id"],
                                name=op.f("fk_regie_proposal_membership_id_membership"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["user_account.id"],
                                name=op.f("fk_regie_proposal_proposed_by_id_user_account"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user_account.id"],
                                name=op.f("fk_regie_proposal_decided_by_id_user_account"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["appointment_id"], ["regie_appointment.id"],
                                name=op.f("fk_regie_proposal_appointment_id_regie_appointment"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_regie_proposal_tenant_id_tenant"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regie_proposal")),
    )
    with op.batch_alter_table("regie_proposal") as batch:
        batch.create_index(batch.f("ix_regie_proposal_tenant_id"), ["tenant_id"], unique=False)
        batch.create_index("uq_regie_one_open_proposal", ["tenant_id"], unique=True,
                           sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))


def downgrade() -> None:
    op.drop_table("regie_proposal")
