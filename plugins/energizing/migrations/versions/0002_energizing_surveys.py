"""energizing surveys: surveys, settings, contacts, invitations, answers and the daily rollup

Revision ID: 0002_energizing
Revises: 0001_energizing
Create Date: 2027-01-05 12:00:00
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0002_energizing"
down_revision: str | None = "0001_energizing"
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
    op.create_table(
        "energizing_survey", *_common("energizing_survey"),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("share_token", sa.String(length=48), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("reminder_days", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("invited", sa.Integer(), nullable=False),
        sa.Column("created_by_id", GUID, nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        _fk("energizing_survey", "created_by_id", "user_account.id", "SET NULL"),
        sa.UniqueConstraint("share_token", name="uq_energizing_survey_share_token"),
    )
    _tenant_index("energizing_survey")

    op.create_table(
        "energizing_survey_settings", *_common("energizing_survey_settings"),
        sa.Column("auto_case", sa.Boolean(), nullable=False),
        sa.Column("case_threshold", sa.Integer(), nullable=False),
        sa.UniqueConstraint("tenant_id", name="uq_energizing_survey_settings_tenant"),
    )
    _tenant_index("energizing_survey_settings")

    op.create_table(
        "energizing_survey_contact", *_common("energizing_survey_contact"),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("consent_text", sa.String(length=40), nullable=False),
        sa.UniqueConstraint("tenant_id", "email", name="uq_energizing_survey_contact_email"),
    )
    _tenant_index("energizing_survey_contact")

    op.create_table(
        "energizing_survey_invitation", *_common("energizing_survey_invitation"),
        sa.Column("survey_id", GUID, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        _fk("energizing_survey_invitation", "survey_id", "energizing_survey.id"),
        sa.UniqueConstraint("tenant_id", "survey_id", "email", name="uq_energizing_survey_invitation_email"),
        sa.UniqueConstraint("token_digest", name="uq_energizing_survey_invitation_token"),
    )
    _tenant_index("energizing_survey_invitation")
    op.create_index("ix_energizing_survey_invitation_reminder", "energizing_survey_invitation",
                    ["tenant_id", "survey_id", "answered_at", "reminded_at"])

    op.create_table(
        "energizing_survey_answer", *_common("energizing_survey_answer"),
        sa.Column("survey_id", GUID, nullable=False),
        sa.Column("invitation_id", GUID, nullable=True),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("counted_email", sa.String(length=254), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=10), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("may_contact", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirm_digest", sa.String(length=64), nullable=True),
        sa.Column("confirm_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("client_ip", sa.String(length=45), nullable=False),
        sa.Column("sentiment_label", sa.String(length=8), nullable=False),
        sa.Column("sentiment_score", sa.Float(), nullable=True),
        sa.Column("case_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ambassador_invited_at", sa.DateTime(timezone=True), nullable=True),
        _fk("energizing_survey_answer", "survey_id", "energizing_survey.id"),
        _fk("energizing_survey_answer", "invitation_id", "energizing_survey_invitation.id", "SET NULL"),
        sa.UniqueConstraint("tenant_id", "survey_id", "counted_email", name="uq_energizing_survey_answer_counted"),
        sa.UniqueConstraint("invitation_id", name="uq_energizing_survey_answer_invitation"),
        sa.UniqueConstraint("confirm_digest", name="uq_energizing_survey_answer_confirm"),
    )
    _tenant_index("energizing_survey_answer")
    op.create_index("ix_energizing_survey_answer_list", "energizing_survey_answer",
                    ["tenant_id", "survey_id", "state", "answered_at"])
    op.create_index("ix_energizing_survey_answer_ip", "energizing_survey_answer",
                    ["tenant_id", "client_ip", "answered_at"])
    op.create_index("ix_energizing_survey_answer_sentiment", "energizing_survey_answer",
                    ["tenant_id", "state", "sentiment_label"])

    op.create_table(
        "energizing_survey_day_count", *_common("energizing_survey_day_count"),
        sa.Column("survey_id", GUID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        _fk("energizing_survey_day_count", "survey_id", "energizing_survey.id"),
        sa.UniqueConstraint("tenant_id", "survey_id", "day", "score", name="uq_energizing_survey_day_count"),
    )
    _tenant_index("energizing_survey_day_count")
    op.create_index("ix_energizing_survey_day_count_day", "energizing_survey_day_count", ["tenant_id", "day"])


def downgrade() -> None:
    for table in ("energizing_survey_day_count", "energizing_survey_answer", "energizing_survey_invitation",
                  "energizing_survey_contact", "energizing_survey_settings", "energizing_survey"):
        op.drop_table(table)
