"""where an interrupted import continues

Revision ID: 0003_monitoring
Revises: 0002_monitoring
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_monitoring"
down_revision: str | None = "0002_monitoring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("monitoring_import") as batch:
        batch.add_column(sa.Column("resume_after", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("monitoring_import") as batch:
        batch.drop_column("resume_after")
