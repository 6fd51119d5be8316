"""talking publishing: a variant's publishing state, the publish log, interactions and followers

Revision ID: 0003_talking
Revises: 0002_talking
Create Date: 2026-12-22 12:00:00
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0003_talking"
down_revision: str | None = "0002_talking"
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


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    other = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{other}"), ondelete="CASCADE")


def upgrade() -> None:
    with op.batch_alter_table("talking_variant") as batch:
        batch.add_column(sa.Column("publish_state", sa.String(length=12), nullable=False, server_default=""))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "talking_publish_attempt", *_common("talking_publish_attempt"),
        sa.Column("post_id", GUID, nullable=False),
        sa.Column("variant_id", GUID, nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("remote_uri", sa.String(length=500), nullable=False),
        _fk("talking_publish_attempt", "post_id", "talking_post.id"),
        _fk("talking_publish_attempt", "variant_id", "talking_variant.id"),
    )
    op.create_index(op.f("ix_talking_publish_attempt_tenant_id"), "talking_publish_attempt", ["tenant_id"])
    op.create_index("ix_talking_publish_attempt_post", "talking_publish_attempt", ["tenant_id", "post_id", "at"])

    op.create_table(
        "talking_interactions", *_common("talking_interactions"),
        sa.Column("variant_id", GUID, nullable=False),
        sa.Column("account_id", GUID, nullable=False),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("reposts", sa.Integer(), nullable=False),
        sa.Column("replies", sa.Integer(), nullable=False),
        sa.Column("quotes", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        _fk("talking_interactions", "variant_id", "talking_variant.id"),
        _fk("talking_interactions", "account_id", "social_account.id"),
        sa.UniqueConstraint("tenant_id", "variant_id", name="uq_talking_interactions_variant"),
    )
    op.create_index(op.f("ix_talking_interactions_tenant_id"), "talking_interactions", ["tenant_id"])

    op.create_table(
        "talking_followers", *_common("talking_followers"),
        sa.Column("account_id", GUID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("followers", sa.Integer(), nullable=False),
        sa.Column("follows", sa.Integer(), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        _fk("talking_followers", "account_id", "social_account.id"),
        sa.UniqueConstraint("tenant_id", "account_id", "day", name="uq_talking_followers_day"),
    )
    op.create_index(op.f("ix_talking_followers_tenant_id"), "talking_followers", ["tenant_id"])


def downgrade() -> None:
    op.drop_table("talking_followers")
    op.drop_table("talking_interactions")
    op.drop_table("talking_publish_attempt")
    with op.batch_alter_table("talking_variant") as batch:
        for column in ("removed_at", "last_error", "next_attempt_at", "attempts", "publish_state"):
            batch.drop_column(column)
