"""the community's customers become the core's customers: webcare keeps a community profile with the same id

Revision ID: 0009_webcare
Revises: 0008_webcare
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_webcare"
down_revision: str | None = "0008_webcare"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0017_core_customers"

MOVED = ("email", "display_name", "is_blocked", "verified_at")
STAMPS = "tenant_id, created_at, updated_at"


def _foreign_keys(on: bool) -> None:
    """SQLite rebuilds `webcare_customer` (a new constraint, dropped columns under a unique constraint). Dropping
    the old table with foreign keys on would empty or unlink its children (votes, questions, answers). The pragma
    changes nothing inside a transaction: then end the run's transaction first (the steps before are complete)."""
    bind = op.get_bind()
    if on:
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the rebuild: {broken[:5]}")
    pragma = f"PRAGMA foreign_keys={'ON' if on else 'OFF'}"
    bind.exec_driver_sql(pragma)
    if bool(bind.exec_driver_sql("PRAGMA foreign_keys").scalar()) != on:
        bind.exec_driver_sql("COMMIT")
        bind.exec_driver_sql(pragma)


def _common_columns() -> list[sa.Column]:
    from advanced_alchemy.types import GUID, DateTimeUTC

    return [
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("tenant_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
    ]


def _swap_in(new: str) -> None:
    """Replace `webcare_customer` by the rebuilt table `new` (foreign keys off: children keep their rows)."""
    op.execute("DROP TABLE webcare_customer")
    op.execute(f"ALTER TABLE {new} RENAME TO webcare_customer")
    op.create_index("ix_webcare_customer_tenant_id", "webcare_customer", ["tenant_id"], unique=False)


def upgrade() -> None:
    """Every community customer moves to `customer` with its id, its sign-in links to `customer_login`; what
    stays in `webcare_customer` is the community profile (the ambassador badge), whose id is the customer's."""
    op.execute(f"INSERT INTO customer (id, email, display_name, is_blocked, verified_at, {STAMPS}) "
               f"SELECT id, email, display_name, is_blocked, verified_at, {STAMPS} FROM webcare_customer")
    op.execute(f"INSERT INTO customer_login (id, customer_id, token_digest, client_ip, expires_at, used_at, {STAMPS}) "
               f"SELECT id, customer_id, token_digest, client_ip, expires_at, used_at, {STAMPS} "
               "FROM webcare_customer_login")
    op.drop_table("webcare_customer_login")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("uq_webcare_customer_email", "webcare_customer", type_="unique")
        for column in MOVED:
            op.drop_column("webcare_customer", column)
        op.create_foreign_key("fk_webcare_customer_id_customer", "webcare_customer", "customer", ["id"], ["id"],
                              ondelete="CASCADE")
        return
    _foreign_keys(on=False)
    op.create_table(
        "webcare_customer_new", *_common_columns(),
        sa.Column("is_ambassador", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name="fk_webcare_customer_tenant_id_tenant",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["id"], ["customer.id"], name="fk_webcare_customer_id_customer", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_webcare_customer"),
    )
    op.execute(f"INSERT INTO webcare_customer_new (id, is_ambassador, {STAMPS}) "
               f"SELECT id, is_ambassador, {STAMPS} FROM webcare_customer")
    _swap_in("webcare_customer_new")
    _foreign_keys(on=True)


def downgrade() -> None:
    """The profiles get their customer's columns back and the links return to `webcare_customer_login`; the moved
    customers leave `customer` (a customer without a community profile stays there)."""
    from advanced_alchemy.types import GUID, DateTimeUTC

    sqlite = op.get_bind().dialect.name == "sqlite"
    if not sqlite:
        op.drop_constraint("fk_webcare_customer_id_customer", "webcare_customer", type_="foreignkey")
        op.add_column("webcare_customer", sa.Column("email", sa.String(length=254), nullable=True))
        op.add_column("webcare_customer", sa.Column("display_name", sa.String(length=80), nullable=True))
        op.add_column("webcare_customer", sa.Column("is_blocked", sa.Boolean(), nullable=True))
        op.add_column("webcare_customer", sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
        op.execute("UPDATE webcare_customer SET email = c.email, display_name = c.display_name, "
                   "is_blocked = c.is_blocked, verified_at = c.verified_at FROM customer c "
                   "WHERE c.id = webcare_customer.id")
        for column in ("email", "display_name", "is_blocked"):
            op.alter_column("webcare_customer", column, nullable=False)
        op.create_unique_constraint("uq_webcare_customer_email", "webcare_customer", ["tenant_id", "email"])
    else:
        _foreign_keys(on=False)
        op.create_table(
            "webcare_customer_old", *_common_columns(),
            sa.Column("email", sa.String(length=254), nullable=False),
            sa.Column("display_name", sa.String(length=80), nullable=False),
            sa.Column("is_ambassador", sa.Boolean(), nullable=False),
            sa.Column("is_blocked", sa.Boolean(), nullable=False),
            sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
            sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name="fk_webcare_customer_tenant_id_tenant",
                                    ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id", name="pk_webcare_customer"),
            sa.UniqueConstraint("tenant_id", "email", name="uq_webcare_customer_email"),
        )
        op.execute("INSERT INTO webcare_customer_old (id, email, display_name, is_ambassador, is_blocked, "
                   "verified_at, tenant_id, created_at, updated_at) "
                   "SELECT p.id, c.email, c.display_name, p.is_ambassador, c.is_blocked, c.verified_at, "
                   "p.tenant_id, p.created_at, p.updated_at FROM webcare_customer p JOIN customer c ON c.id = p.id")
        _swap_in("webcare_customer_old")
    op.create_table(
        "webcare_customer_login",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("customer_id", GUID(length=16), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("client_ip", sa.String(length=45), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(["customer_id"], ["webcare_customer.id"],
                                name="fk_webcare_customer_login_customer_id_webcare_customer", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name="fk_webcare_customer_login_tenant_id_tenant",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_webcare_customer_login"),
        sa.UniqueConstraint("token_digest", name="uq_webcare_customer_login_token"),
    )
    op.create_index("ix_webcare_customer_login_tenant_id", "webcare_customer_login", ["tenant_id"], unique=False)
    op.create_index("ix_webcare_customer_login_ip", "webcare_customer_login", ["tenant_id", "client_ip",
                                                                               "created_at"], unique=False)
    op.execute(f"INSERT INTO webcare_customer_login (id, customer_id, token_digest, client_ip, expires_at, used_at, "
               f"{STAMPS}) SELECT l.id, l.customer_id, l.token_digest, l.client_ip, l.expires_at, l.used_at, "
               f"l.tenant_id, l.created_at, l.updated_at FROM customer_login l "
               "WHERE l.customer_id IN (SELECT id FROM webcare_customer)")
    op.execute("DELETE FROM customer_login WHERE customer_id IN (SELECT id FROM webcare_customer)")
    op.execute("DELETE FROM customer WHERE id IN (SELECT id FROM webcare_customer)")
    if sqlite:
        _foreign_keys(on=True)
