"""the webcare lead: who besides the regie holder switches crisis mode on and off; authors joined in any case

Revision ID: 0004_webcare
Revises: 0003_webcare
"""
from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID
from alembic import op

revision: str = "0004_webcare"
down_revision: str | None = "0003_webcare"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_webcare_case_author_lower", "webcare_case", ["tenant_id", sa.text("lower(author_handle)")])
    with op.batch_alter_table("webcare_config", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lead_user_id", GUID(length=16), nullable=True))
        batch_op.create_foreign_key("fk_webcare_config_lead_user_id_user_account", "user_account",
                                    ["lead_user_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    op.drop_index("ix_webcare_case_author_lower", table_name="webcare_case")
    with op.batch_alter_table("webcare_config", schema=None) as batch_op:
        batch_op.drop_constraint("fk_webcare_config_lead_user_id_user_account", type_="foreignkey")
        batch_op.drop_column("lead_user_id")
