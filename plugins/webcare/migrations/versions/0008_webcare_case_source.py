"""a case made from another plugin's item (a detractor's survey answer): the item's kind and id, one case per item

Revision ID: 0008_webcare
Revises: 0007_webcare
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_webcare"
down_revision: str | None = "0007_webcare"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMN and a unique index: no table rebuild on SQLite, which would lose the expression index
    op.add_column("webcare_case", sa.Column("source_kind", sa.String(length=20), nullable=True))
    op.add_column("webcare_case", sa.Column("source_ref", sa.String(length=64), nullable=True))
    op.create_index("uq_webcare_case_source", "webcare_case", ["tenant_id", "source_kind", "source_ref"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_webcare_case_source", table_name="webcare_case")
    with op.batch_alter_table("webcare_case") as batch:
        batch.drop_column("source_ref")
        batch.drop_column("source_kind")
