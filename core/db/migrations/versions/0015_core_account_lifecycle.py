"""accounts: one lifecycle (to claim, claimed, active, dormant, to close, closed), named owners, the last post,
the brand terms the sprawl report looks for

Revision ID: 0015_core_account_lifecycle
Revises: 0014_core_short_links
Create Date: 2026-12-14 15:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015_core_account_lifecycle'
down_revision: str | None = '0014_core_short_links'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UP = {"approved": "active", "retired": "closed"}
"""An approved account was in use under the policy; a retired one is closed. Pending and rejected stay."""
DOWN = {"active": "approved", "claimed": "approved", "dormant": "approved", "to_close": "approved",
        "closed": "retired", "to_claim": "pending"}


def _cross_tenant(bind: sa.engine.Connection) -> None:
    if bind.dialect.name == "postgresql":  # row-level security: the migration changes every tenant's rows
        bind.execute(sa.text("SELECT set_config('app.cross_tenant', 'on', true)"))


def _rename(bind: sa.engine.Connection, mapping: dict[str, str]) -> None:
    table = sa.table("social_account", sa.column("status", sa.String()))
    for old, new in mapping.items():
        bind.execute(table.update().where(table.c.status == old).values(status=new))


def upgrade() -> None:
    """`social_account` gets the lifecycle's columns: `status_changed_at` (from `updated_at` for existing rows),
    `origin` (requested, found, monitoring), `evidence_url`, `last_post_at`; its department may be empty while an
    account is to be claimed. Existing statuses move: approved → active, retired → closed. New tables:
    `social_account_owner` (named owners) and `account_watch` (brand terms); `audit_entry` gets an index by
    subject, for an account's history. `upgrade` puts row-level security on the new tables."""
    from advanced_alchemy.types import GUID, DateTimeUTC

    with op.batch_alter_table("social_account") as batch:
        batch.add_column(sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("origin", sa.String(length=20), nullable=False, server_default="requested"))
        batch.add_column(sa.Column("evidence_url", sa.String(length=2000), nullable=False, server_default=""))
        batch.add_column(sa.Column("last_post_at", sa.DateTime(timezone=True), nullable=True))
        batch.alter_column("department_id", existing_type=GUID(length=16), nullable=True)
    bind = op.get_bind()
    _cross_tenant(bind)
    _rename(bind, UP)
    table = sa.table("social_account", sa.column("status_changed_at", sa.DateTime(timezone=True)),
                     sa.column("updated_at", DateTimeUTC(timezone=True)))
    bind.execute(table.update().values(status_changed_at=table.c.updated_at))
    with op.batch_alter_table("social_account") as batch:
        batch.alter_column("status_changed_at", existing_type=sa.DateTime(timezone=True), nullable=False)

    op.create_table(
        "social_account_owner",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("account_id", GUID(length=16), nullable=False),
        sa.Column("user_id", GUID(length=16), nullable=False),
        sa.Column("tenant_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["social_account.id"],
                                name=op.f("fk_social_account_owner_account_id_social_account"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_social_account_owner_user_id_user_account"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_social_account_owner_tenant_id_tenant"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_account_owner")),
        sa.UniqueConstraint("account_id", "user_id", name="uq_social_account_owner"),
    )
    with op.batch_alter_table("social_account_owner") as batch:
        batch.create_index(batch.f("ix_social_account_owner_tenant_id"), ["tenant_id"], unique=False)
        batch.create_index(batch.f("ix_social_account_owner_account_id"), ["account_id"], unique=False)

    op.create_table(
        "account_watch",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("brand_terms", sa.JSON(), nullable=False),
        sa.Column("tenant_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_account_watch_tenant_id_tenant"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_watch")),
        sa.UniqueConstraint("tenant_id", name="uq_account_watch_tenant"),
    )
    with op.batch_alter_table("account_watch") as batch:
        batch.create_index(batch.f("ix_account_watch_tenant_id"), ["tenant_id"], unique=False)

    with op.batch_alter_table("audit_entry") as batch:
        batch.create_index("ix_audit_subject", ["tenant_id", "subject_type", "subject_id"], unique=False)


def downgrade() -> None:
    """Back to approved / pending / rejected / retired; an account registered without a department (found, never
    claimed) has no place in the older registry and is removed."""
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_index("ix_audit_subject")
    op.drop_table("account_watch")
    op.drop_table("social_account_owner")
    bind = op.get_bind()
    _cross_tenant(bind)
    _rename(bind, DOWN)
    table = sa.table("social_account", sa.column("department_id"))
    bind.execute(table.delete().where(table.c.department_id.is_(None)))
    from advanced_alchemy.types import GUID

    with op.batch_alter_table("social_account") as batch:
        batch.alter_column("department_id", existing_type=GUID(length=16), nullable=False)
        batch.drop_column("last_post_at")
        batch.drop_column("evidence_url")
        batch.drop_column("origin")
        batch.drop_column("status_changed_at")
