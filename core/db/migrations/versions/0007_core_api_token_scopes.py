"""API token scopes and expiry

Revision ID: 0007_core
Revises: 0006_core
Create Date: 2026-12-03 16:00:00
"""
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = '0007_core'
down_revision: str | None = '0006_core'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # tokens made before scopes existed keep every scope (they reached what their creator may) and get the
    # default 90 days from now, so an upgrade does not cut off a running integration at once
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("scopes", sa.String(length=60), nullable=False,
                                   server_default="read write admin"))
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    token = sa.table("api_token", sa.column("expires_at", sa.DateTime(timezone=True)))
    op.execute(token.update().where(token.c.expires_at.is_(None))
               .values(expires_at=datetime.now(UTC) + timedelta(days=90)))
    with op.batch_alter_table("api_token") as batch:
        batch.alter_column("expires_at", existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("scopes")
