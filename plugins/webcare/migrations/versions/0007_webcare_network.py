"""replies in the thread on the network: the post a case answers and the account that read it, and per reply
the account, the post it answers, the record key stored before sending and the reply's own address

Revision ID: 0007_webcare
Revises: 0006_webcare
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0007_webcare"
down_revision: str | None = "0006_webcare"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webcare_case") as batch:
        batch.add_column(sa.Column("source_uri", sa.String(length=500), nullable=False, server_default=""))
        batch.add_column(sa.Column("source_account_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True))
    with op.batch_alter_table("webcare_reply") as batch:
        batch.add_column(sa.Column("account_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True))
        batch.add_column(sa.Column("reply_to_uri", sa.String(length=500), nullable=False, server_default=""))
        batch.add_column(sa.Column("remote_key", sa.String(length=20), nullable=False, server_default=""))
        batch.add_column(sa.Column("remote_uri", sa.String(length=500), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("webcare_reply") as batch:
        for column in ("remote_uri", "remote_key", "reply_to_uri", "account_id"):
            batch.drop_column(column)
    with op.batch_alter_table("webcare_case") as batch:
        batch.drop_column("source_account_id")
        batch.drop_column("source_uri")
