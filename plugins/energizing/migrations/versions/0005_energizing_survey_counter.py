"""energizing surveys: the survey row keeps no answer counter (the daily rollup is the one count)

Revision ID: 0005_energizing
Revises: 0004_energizing
Create Date: 2027-01-05 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_energizing"
down_revision: str | None = "0004_energizing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# recreate="never": a plain ALTER TABLE ... DROP/ADD COLUMN (SQLite 3.35+). Rebuilding the table on SQLite would
# drop the old one with foreign keys on, and its ON DELETE CASCADE would empty invitations, answers and the rollup.


def upgrade() -> None:
    with op.batch_alter_table("energizing_survey", recreate="never") as batch:
        batch.drop_column("answers")


def downgrade() -> None:
    with op.batch_alter_table("energizing_survey", recreate="never") as batch:
        batch.add_column(sa.Column("answers", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE energizing_survey SET answers = (SELECT COALESCE(SUM(c.answers), 0) "
               "FROM energizing_survey_day_count c WHERE c.survey_id = energizing_survey.id)")
