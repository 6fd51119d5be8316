"""energizing programme: consent texts, mail links, tiers, missions, completions, points, rewards, sign-in
attempts and the widget's figures

Revision ID: 0003_energizing
Revises: 0002_energizing
Create Date: 2027-01-04 13:00:00
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0003_energizing"
down_revision: str | None = "0002_energizing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUID = advanced_alchemy.types.guid.GUID(length=16)
WHEN = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)


def _common(table: str) -> list[sa.schema.SchemaItem]:
    """id, tenant_id and the audit columns every table has."""
    return [
        sa.Column("id", GUID, nullable=False),
        sa.Column("tenant_id", GUID, nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f(f"fk_{table}_tenant_id_tenant"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    other = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{other}"), ondelete=ondelete)


def _tenant_index(table: str) -> None:
    op.create_index(op.f(f"ix_{table}_tenant_id"), table, ["tenant_id"])


def upgrade() -> None:
    with op.batch_alter_table("energizing_ambassador") as batch:
        batch.add_column(sa.Column("points_earned", sa.Integer(), nullable=False, server_default="0"))

    table = "energizing_consent_text"
    op.create_table(
        table, *_common(table),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by_id", GUID, nullable=True),
        _fk(table, "created_by_id", "user_account.id", "SET NULL"),
        sa.UniqueConstraint("tenant_id", "version", name="uq_energizing_consent_text_version"),
    )
    _tenant_index(table)

    table = "energizing_ambassador_token"
    op.create_table(
        table, *_common(table),
        sa.Column("ambassador_id", GUID, nullable=False),
        sa.Column("purpose", sa.String(length=12), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("client_ip", sa.String(length=45), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        _fk(table, "ambassador_id", "energizing_ambassador.id"),
        sa.UniqueConstraint("tenant_id", "token_digest", name="uq_energizing_ambassador_token_digest"),
    )
    _tenant_index(table)
    op.create_index("ix_energizing_ambassador_token_person", table,
                    ["tenant_id", "ambassador_id", "purpose", "created_at"])
    op.create_index("ix_energizing_ambassador_token_ip", table, ["tenant_id", "client_ip", "created_at"])

    table = "energizing_tier"
    op.create_table(
        table, *_common(table),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_energizing_tier_name"),
    )
    _tenant_index(table)

    table = "energizing_mission"
    op.create_table(
        table, *_common(table),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("suggested_text", sa.Text(), nullable=False),
        sa.Column("policy_notes", sa.Text(), nullable=False),
        sa.Column("target_url", sa.String(length=2000), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("repeatable", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("completions", sa.Integer(), nullable=False),
        sa.Column("created_by_id", GUID, nullable=True),
        _fk(table, "created_by_id", "user_account.id", "SET NULL"),
    )
    _tenant_index(table)
    op.create_index("ix_energizing_mission_state", table, ["tenant_id", "state", "ends_on"])

    table = "energizing_share_link"
    op.create_table(
        table, *_common(table),
        sa.Column("mission_id", GUID, nullable=False),
        sa.Column("ambassador_id", GUID, nullable=False),
        sa.Column("short_url", sa.String(length=200), nullable=False),
        _fk(table, "mission_id", "energizing_mission.id"),
        _fk(table, "ambassador_id", "energizing_ambassador.id"),
        sa.UniqueConstraint("tenant_id", "mission_id", "ambassador_id", name="uq_energizing_share_link"),
    )
    _tenant_index(table)

    table = "energizing_completion"
    op.create_table(
        table, *_common(table),
        sa.Column("mission_id", GUID, nullable=False),
        sa.Column("ambassador_id", GUID, nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("evidence_url", sa.String(length=2000), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", GUID, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        _fk(table, "mission_id", "energizing_mission.id"),
        _fk(table, "ambassador_id", "energizing_ambassador.id"),
        _fk(table, "decided_by_id", "user_account.id", "SET NULL"),
        sa.UniqueConstraint("tenant_id", "mission_id", "ambassador_id", "round", name="uq_energizing_completion"),
    )
    _tenant_index(table)
    op.create_index("ix_energizing_completion_when", table, ["tenant_id", "completed_at"])
    op.create_index("ix_energizing_completion_person", table, ["tenant_id", "ambassador_id", "completed_at"])

    table = "energizing_points_entry"
    op.create_table(
        table, *_common(table),
        sa.Column("ambassador_id", GUID, nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("ref_id", GUID, nullable=True),
        sa.Column("label", sa.String(length=200), nullable=False),
        _fk(table, "ambassador_id", "energizing_ambassador.id"),
    )
    _tenant_index(table)
    op.create_index("ix_energizing_points_entry_person", table, ["tenant_id", "ambassador_id", "created_at"])

    table = "energizing_reward"
    op.create_table(
        table, *_common(table),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    _tenant_index(table)

    table = "energizing_redemption"
    op.create_table(
        table, *_common(table),
        sa.Column("reward_id", GUID, nullable=False),
        sa.Column("ambassador_id", GUID, nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("decided_by_id", GUID, nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        _fk(table, "reward_id", "energizing_reward.id"),
        _fk(table, "ambassador_id", "energizing_ambassador.id"),
        _fk(table, "decided_by_id", "user_account.id", "SET NULL"),
    )
    _tenant_index(table)
    op.create_index("ix_energizing_redemption_state", table, ["tenant_id", "state", "created_at"])

    table = "energizing_signin_attempt"
    op.create_table(
        table, *_common(table),
        sa.Column("email_digest", sa.String(length=64), nullable=False),
        sa.Column("client_ip", sa.String(length=45), nullable=False),
    )
    _tenant_index(table)
    op.create_index("ix_energizing_signin_attempt_email", table, ["tenant_id", "email_digest", "created_at"])
    op.create_index("ix_energizing_signin_attempt_ip", table, ["tenant_id", "client_ip", "created_at"])

    table = "energizing_programme_figures"
    op.create_table(
        table, *_common(table),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("completed_month", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("tenant_id", name="uq_energizing_programme_figures_tenant"),
    )
    _tenant_index(table)


def downgrade() -> None:
    for table in ("energizing_programme_figures", "energizing_signin_attempt", "energizing_redemption",
                  "energizing_reward", "energizing_points_entry", "energizing_completion", "energizing_share_link", "energizing_mission", "energizing_tier", "energizing_ambassador_token",
                  "energizing_consent_text"):
        op.drop_table(table)
    with op.batch_alter_table("energizing_ambassador") as batch:
        batch.drop_column("points_earned")
