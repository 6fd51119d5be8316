"""inbox at scale: cases by latest activity; trigram indexes for the inbox search on PostgreSQL

Revision ID: 0003_webcare
Revises: 0002_webcare

Measured with 200,000 cases (tests/bench/test_webcare_bench.py): without `ix_webcare_case_recent` every list
page sorted all matching cases (40 ms for the open ones, 65 ms for a far page); without the trigram indexes a
search read the whole table (75 ms, twice: list and count). `ix_webcare_message_mention`: "make this mention a
case" first looks for the case the mention is already in. `pg_trgm` is a trusted extension (PostgreSQL 13+),
so the database owner may create it. SQLite gets only the b-tree index.
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0003_webcare"
down_revision: str | None = "0002_webcare"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCHED = ("subject", "author_handle", "author_name")


def upgrade() -> None:
    with op.batch_alter_table("webcare_case", schema=None) as batch_op:
        batch_op.create_index("ix_webcare_case_recent", ["tenant_id", "last_message_at", "id"], unique=False)
    with op.batch_alter_table("webcare_message", schema=None) as batch_op:
        batch_op.create_index("ix_webcare_message_mention", ["tenant_id", "mention_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in SEARCHED:
            op.execute(f"CREATE INDEX ix_webcare_case_{column}_trgm ON webcare_case USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in SEARCHED:
            op.execute(f"DROP INDEX IF EXISTS ix_webcare_case_{column}_trgm")
    with op.batch_alter_table("webcare_message", schema=None) as batch_op:
        batch_op.drop_index("ix_webcare_message_mention")
    with op.batch_alter_table("webcare_case", schema=None) as batch_op:
        batch_op.drop_index("ix_webcare_case_recent")
