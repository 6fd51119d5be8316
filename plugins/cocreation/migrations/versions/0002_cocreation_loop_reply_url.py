"""the loop: a sent reply's web address (`post_url`, linked on the loop panel instead of its `at://` address), and
room for the channel "community" (an answer in a linked community question's thread)

Revision ID: 0002_cocreation
Revises: 0001_cocreation
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_cocreation"
down_revision: str | None = "0001_cocreation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMN: no table rebuild on SQLite; a server default fills the rows already there
    op.add_column("cocreation_loop_message",
                  sa.Column("post_url", sa.String(length=2000), nullable=False, server_default=""))
    if op.get_bind().dialect.name != "sqlite":  # SQLite does not enforce a VARCHAR's length
        op.alter_column("cocreation_loop_message", "channel", type_=sa.String(length=12),
                        existing_type=sa.String(length=8), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DELETE FROM cocreation_loop_message WHERE channel = 'community'")
        op.alter_column("cocreation_loop_message", "channel", type_=sa.String(length=8),
                        existing_type=sa.String(length=12), existing_nullable=False)
    with op.batch_alter_table("cocreation_loop_message") as batch:
        batch.drop_column("post_url")
