"""talking schema: campaigns, streams, posts and their variants per account

Revision ID: 0001_talking
Revises:
Create Date: 2026-12-14 12:00:00
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0001_talking"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("talking",)
depends_on: str | Sequence[str] | None = "0014_core_short_links"

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
    op.create_table(
        "talking_campaign", *_common("talking_campaign"),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("budget", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("objective", sa.String(length=20), nullable=False),
        sa.Column("starting_point", sa.String(length=300), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("department_id", GUID, nullable=True),
        sa.Column("created_by_id", GUID, nullable=True),
        _fk("talking_campaign", "department_id", "department.id", "SET NULL"),
        _fk("talking_campaign", "created_by_id", "user_account.id", "SET NULL"),
        sa.UniqueConstraint("tenant_id", "slug", name="uq_talking_campaign_slug"),
    )
    op.create_index(op.f("ix_talking_campaign_tenant_id"), "talking_campaign", ["tenant_id"])
    op.create_index("ix_talking_campaign_period", "talking_campaign", ["tenant_id", "starts_on"])

    op.create_table(
        "talking_stream", *_common("talking_stream"),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starting_point", sa.String(length=300), nullable=False),
        sa.Column("department_id", GUID, nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        _fk("talking_stream", "department_id", "department.id", "SET NULL"),
        sa.UniqueConstraint("tenant_id", "slug", name="uq_talking_stream_slug"),
    )
    op.create_index(op.f("ix_talking_stream_tenant_id"), "talking_stream", ["tenant_id"])

    op.create_table(
        "talking_post", *_common("talking_post"),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("theme", sa.String(length=120), nullable=False),
        sa.Column("objective", sa.String(length=300), nullable=False),
        sa.Column("campaign_id", GUID, nullable=True),
        sa.Column("stream_id", GUID, nullable=True),
        sa.Column("department_id", GUID, nullable=True),
        sa.Column("author_id", GUID, nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("state_reason", sa.Text(), nullable=False),
        sa.Column("publish_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approval_reason", sa.String(length=20), nullable=False),
        sa.Column("approver_department_id", GUID, nullable=True),
        sa.Column("source_kind", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("source_url", sa.String(length=2000), nullable=False),
        sa.Column("source_author", sa.String(length=200), nullable=False),
        sa.Column("reply_to_uri", sa.String(length=500), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        _fk("talking_post", "campaign_id", "talking_campaign.id", "SET NULL"),
        _fk("talking_post", "stream_id", "talking_stream.id", "SET NULL"),
        _fk("talking_post", "department_id", "department.id", "SET NULL"),
        _fk("talking_post", "author_id", "user_account.id", "SET NULL"),
        _fk("talking_post", "approver_department_id", "department.id", "SET NULL"),
    )
    op.create_index(op.f("ix_talking_post_tenant_id"), "talking_post", ["tenant_id"])
    op.create_index("ix_talking_post_publish", "talking_post", ["tenant_id", "publish_at"])
    op.create_index("ix_talking_post_state", "talking_post", ["tenant_id", "state", "publish_at"])
    op.create_index("ix_talking_post_published", "talking_post", ["tenant_id", "published_at"])
    op.create_index("ix_talking_post_campaign", "talking_post", ["tenant_id", "campaign_id"])
    op.create_index("ix_talking_post_stream", "talking_post", ["tenant_id", "stream_id"])

    op.create_table(
        "talking_variant", *_common("talking_variant"),
        sa.Column("post_id", GUID, nullable=False),
        sa.Column("account_id", GUID, nullable=False),
        sa.Column("platform", sa.String(length=40), nullable=False),
        sa.Column("handle", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("images", sa.JSON(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("external_url", sa.String(length=2000), nullable=False),
        sa.Column("remote_key", sa.String(length=64), nullable=False),
        sa.Column("remote_uri", sa.String(length=500), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        _fk("talking_variant", "post_id", "talking_post.id", "CASCADE"),
        _fk("talking_variant", "account_id", "social_account.id", "CASCADE"),
        sa.UniqueConstraint("tenant_id", "post_id", "account_id", name="uq_talking_variant_account"),
    )
    op.create_index(op.f("ix_talking_variant_tenant_id"), "talking_variant", ["tenant_id"])
    op.create_index("ix_talking_variant_account", "talking_variant", ["tenant_id", "account_id"])


def downgrade() -> None:
    op.drop_table("talking_variant")
    op.drop_table("talking_post")
    op.drop_table("talking_stream")
    op.drop_table("talking_campaign")
