"""pilot measurements say which of their values were typed in by hand

Revision ID: 0012_core_pilot_hand_entered
Revises: 0011_core_sign_in_lockout
Create Date: 2026-12-07 09:00:00
"""
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012_core_pilot_hand_entered'
down_revision: str | None = '0011_core_sign_in_lockout'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """`pilot_measurement.hand_entered`: the keys of `values` someone typed in. Every measurement recorded before
    this revision was typed in, so all its keys are marked (a plugin's own snapshots were never read then)."""
    with op.batch_alter_table("pilot_measurement") as batch:
        batch.add_column(sa.Column("hand_entered", sa.JSON(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":  # row-level security: the migration reads every tenant's rows
        bind.execute(sa.text("SELECT set_config('app.cross_tenant', 'on', true)"))
    table = sa.table("pilot_measurement", sa.column("id"), sa.column("values", sa.JSON()),
                     sa.column("hand_entered", sa.JSON()))
    for row_id, values in bind.execute(sa.select(table.c.id, table.c["values"])).all():
        if isinstance(values, str):
            values = json.loads(values)
        keys = sorted((values or {}).keys()) if isinstance(values, dict) else []
        bind.execute(table.update().where(table.c.id == row_id).values(hand_entered=keys))
    with op.batch_alter_table("pilot_measurement") as batch:
        batch.alter_column("hand_entered", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("pilot_measurement") as batch:
        batch.drop_column("hand_entered")
