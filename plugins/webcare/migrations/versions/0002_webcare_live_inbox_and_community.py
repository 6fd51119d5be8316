"""live inbox counter, community moderation mode, client address of sign-in requests

Revision ID: 0002_webcare
Revises: 0001_webcare
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_webcare"
down_revision: str | None = "0001_webcare"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webcare_config", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inbox_version", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("community_moderation", sa.String(length=12), nullable=False,
                                      server_default="first_post"))
    with op.batch_alter_table("webcare_customer_login", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_ip", sa.String(length=45), nullable=False, server_default=""))
        batch_op.create_index("ix_webcare_customer_login_ip", ["tenant_id", "client_ip", "created_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("webcare_customer_login", schema=None) as batch_op:
        batch_op.drop_index("ix_webcare_customer_login_ip")
        batch_op.drop_column("client_ip")
    with op.batch_alter_table("webcare_config", schema=None) as batch_op:
        batch_op.drop_column("community_moderation")
        batch_op.drop_column("inbox_version")
