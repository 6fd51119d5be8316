"""privacy: retention, erasure records

Revision ID: 0008_core
Revises: 0007_core
Create Date: 2026-12-03 16:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = '0008_core'
down_revision: str | None = '0007_core'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _base_columns() -> list[sa.Column]:
    from advanced_alchemy.types import GUID, DateTimeUTC

    return [sa.Column("tenant_id", GUID(length=16), nullable=False),
            sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
            sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
            sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False)]


def upgrade() -> None:
    from advanced_alchemy.types import GUID

    op.create_table(
        "privacy_setting",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("retention_months", sa.Integer(), nullable=False),
        sa.Column("retention_mode", sa.String(length=20), nullable=False),
        *_base_columns(),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_privacy_setting_tenant_id_tenant"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_setting")),
        sa.UniqueConstraint("tenant_id", name="uq_privacy_setting_tenant"),
    )
    with op.batch_alter_table("privacy_setting") as batch:
        batch.create_index(batch.f("ix_privacy_setting_tenant_id"), ["tenant_id"], unique=False)
    op.create_table(
        "privacy_record",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("requested_by_id", GUID(length=16), nullable=True),
        sa.Column("requested_by_label", sa.String(length=254), nullable=False),
        sa.Column("subject_ref", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=40), nullable=False),
        sa.Column("cutoff", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        *_base_columns(),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_privacy_record_tenant_id_tenant"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user_account.id"],
                                name=op.f("fk_privacy_record_requested_by_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_record")),
    )
    with op.batch_alter_table("privacy_record") as batch:
        batch.create_index(batch.f("ix_privacy_record_tenant_id"), ["tenant_id"], unique=False)
        batch.create_index(batch.f("ix_privacy_record_kind"), ["kind"], unique=False)


def downgrade() -> None:
    op.drop_table("privacy_record")
    op.drop_table("privacy_setting")
