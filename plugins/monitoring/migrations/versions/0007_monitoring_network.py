"""posts read from the network through connected accounts: the post's address and thread, the account that read
it, and where each read stopped

Revision ID: 0007_monitoring
Revises: 0006_monitoring
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0007_monitoring"
down_revision: str | None = "0006_monitoring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("monitoring_mention") as batch:
        batch.add_column(sa.Column("uri", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("parent_uri", sa.String(length=500), nullable=False, server_default=""))
        batch.add_column(sa.Column("root_uri", sa.String(length=500), nullable=False, server_default=""))
        batch.add_column(sa.Column("social_account_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True))
        batch.create_foreign_key(batch.f("fk_monitoring_mention_social_account_id_social_account"), "social_account",
                                 ["social_account_id"], ["id"], ondelete="SET NULL")
        batch.create_unique_constraint("uq_monitoring_mention_uri", ["tenant_id", "uri"])
    op.create_table(
        "monitoring_network_cursor",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("tenant_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("social_account_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("stream", sa.String(length=10), nullable=False),
        sa.Column("query", sa.String(length=300), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=False),
        sa.Column("last_read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"],
                                name=op.f("fk_monitoring_network_cursor_tenant_id_tenant"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["social_account_id"], ["social_account.id"],
                                name=op.f("fk_monitoring_network_cursor_social_account_id_social_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_network_cursor")),
        sa.UniqueConstraint("tenant_id", "social_account_id", "stream", "query",
                            name="uq_monitoring_network_cursor"),
    )
    with op.batch_alter_table("monitoring_network_cursor") as batch:
        batch.create_index(batch.f("ix_monitoring_network_cursor_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    op.drop_table("monitoring_network_cursor")
    with op.batch_alter_table("monitoring_mention") as batch:
        batch.drop_constraint("uq_monitoring_mention_uri", type_="unique")
        batch.drop_constraint("fk_monitoring_mention_social_account_id_social_account", type_="foreignkey")
        batch.drop_column("social_account_id")
        batch.drop_column("root_uri")
        batch.drop_column("parent_uri")
        batch.drop_column("uri")
