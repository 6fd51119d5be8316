"""energizing schema: the ambassador

Revision ID: 0001_energizing
Revises:
Create Date: 2027-01-04 12:00:00
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0001_energizing"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("energizing",)
depends_on: str | Sequence[str] | None = "0014_core_short_links"

GUID = advanced_alchemy.types.guid.GUID(length=16)
WHEN = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)


def upgrade() -> None:
    op.create_table(
        "energizing_ambassador",
        sa.Column("id", GUID, nullable=False),
        sa.Column("tenant_id", GUID, nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("user_id", GUID, nullable=True),
        sa.Column("handle", sa.String(length=120), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("source_ref", sa.String(length=64), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("invited_by_id", GUID, nullable=True),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_version", sa.Integer(), nullable=True),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tier", sa.String(length=40), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("on_leaderboard", sa.Boolean(), nullable=False),
        sa.Column("referral_code", sa.String(length=16), nullable=False),
        sa.Column("last_active_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_energizing_ambassador_tenant_id_tenant"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_energizing_ambassador_user_id_user_account"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["invited_by_id"], ["user_account.id"],
                                name=op.f("fk_energizing_ambassador_invited_by_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_energizing_ambassador")),
        sa.UniqueConstraint("tenant_id", "email", name="uq_energizing_ambassador_email"),
        sa.UniqueConstraint("tenant_id", "referral_code", name="uq_energizing_ambassador_referral"),
    )
    op.create_index(op.f("ix_energizing_ambassador_tenant_id"), "energizing_ambassador", ["tenant_id"])
    op.create_index("ix_energizing_ambassador_state", "energizing_ambassador", ["tenant_id", "state", "points"])


def downgrade() -> None:
    op.drop_table("energizing_ambassador")
