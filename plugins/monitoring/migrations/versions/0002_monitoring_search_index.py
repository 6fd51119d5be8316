"""full-text search index on mentions (PostgreSQL)

Revision ID: 0002_monitoring
Revises: 0001_monitoring
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_monitoring"
down_revision: str | None = "0001_monitoring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DOCUMENT = "to_tsvector('simple', title || ' ' || lead || ' ' || body)"
"""Must equal `plugins.monitoring.mentions.service.SEARCH_DOCUMENT`, or the planner will not use the index."""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_monitoring_mention_search", "monitoring_mention", [sa.text(DOCUMENT)],
                        postgresql_using="gin")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_monitoring_mention_search", table_name="monitoring_mention")
