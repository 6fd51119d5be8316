"""talking approvals: tiers, steps and decisions; when an approval runs out

Revision ID: 0002_talking
Revises: 0001_talking
Create Date: 2026-12-21 12:00:00
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0002_talking"
down_revision: str | None = "0001_talking"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUID = advanced_alchemy.types.guid.GUID(length=16)


def _common(table: str) -> list[sa.schema.SchemaItem]:
    """id, tenant_id and the audit columns every table has."""
    return [
        sa.Column("id", GUID, nullable=False),
        sa.Column("tenant_id", GUID, nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f(f"fk_{table}_tenant_id_tenant"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    other = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{other}"), ondelete=ondelete)


def upgrade() -> None:
    op.add_column("talking_post", sa.Column(
        "approval_expires_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("talking_post", sa.Column("approval_round", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("talking_post", sa.Column("approval_step", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("talking_post", sa.Column("approval_chain", sa.JSON(), nullable=False, server_default="[]"))
    op.create_index("ix_talking_post_approval_expiry", "talking_post", ["tenant_id", "approval_expires_at"])

    op.create_table(
        "talking_approval_settings", *_common("talking_approval_settings"),
        sa.Column("expiry_days", sa.Integer(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("platforms", sa.JSON(), nullable=False),
        sa.Column("account_ids", sa.JSON(), nullable=False),
        sa.Column("campaign_ids", sa.JSON(), nullable=False),
        sa.Column("untrained", sa.Boolean(), nullable=False),
        sa.Column("crisis_since", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("tenant_id", name="uq_talking_approval_settings_tenant"),
    )
    op.create_index(op.f("ix_talking_approval_settings_tenant_id"), "talking_approval_settings", ["tenant_id"])

    op.create_table(
        "talking_approver", *_common("talking_approver"),
        sa.Column("post_id", GUID, nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("user_id", GUID, nullable=False),
        _fk("talking_approver", "post_id", "talking_post.id", "CASCADE"),
        _fk("talking_approver", "user_id", "user_account.id", "CASCADE"),
        sa.UniqueConstraint("tenant_id", "post_id", "round", "step", "user_id", name="uq_talking_approver"),
    )
    op.create_index(op.f("ix_talking_approver_tenant_id"), "talking_approver", ["tenant_id"])
    op.create_index("ix_talking_approver_user", "talking_approver", ["tenant_id", "user_id"])

    op.create_table(
        "talking_approval_event", *_common("talking_approval_event"),
        sa.Column("post_id", GUID, nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("user_id", GUID, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _fk("talking_approval_event", "post_id", "talking_post.id", "CASCADE"),
        _fk("talking_approval_event", "user_id", "user_account.id", "SET NULL"),
    )
    op.create_index(op.f("ix_talking_approval_event_tenant_id"), "talking_approval_event", ["tenant_id"])
    op.create_index("ix_talking_approval_event_post", "talking_approval_event", ["tenant_id", "post_id", "at"])


def downgrade() -> None:
    op.drop_table("talking_approval_event")
    op.drop_table("talking_approver")
    op.drop_table("talking_approval_settings")
    op.drop_index("ix_talking_post_approval_expiry", table_name="talking_post")
    for column in ("approval_chain", "approval_step", "approval_round", "approval_expires_at"):
        op.drop_column("talking_post", column)
