"""energizing listening and leads: promoter candidates with evidence and decisions; campaign links, leads, weekly counts

Revision ID: 0004_energizing
Revises: 0003_energizing
Create Date: 2027-01-04 14:00:00
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0004_energizing"
down_revision: str | None = "0003_energizing"
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
        "energizing_listening_settings", *_common("energizing_listening_settings"),
        sa.Column("min_positive", sa.Integer(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("min_reach", sa.Integer(), nullable=False),
        sa.UniqueConstraint("tenant_id", name="uq_energizing_listening_settings_tenant"),
    )
    _tenant_index("energizing_listening_settings")

    op.create_table(
        "energizing_candidate", *_common("energizing_candidate"),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("handle_key", sa.String(length=120), nullable=False),
        sa.Column("handle", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("reach", sa.Integer(), nullable=False),
        sa.Column("positive_count", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("tenant_id", "source", "handle_key", name="uq_energizing_candidate_handle"),
    )
    _tenant_index("energizing_candidate")
    op.create_index("ix_energizing_candidate_state", "energizing_candidate", ["tenant_id", "state", "last_seen_at"])

    op.create_table(
        "energizing_candidate_evidence", *_common("energizing_candidate_evidence"),
        sa.Column("candidate_id", GUID, nullable=False),
        sa.Column("mention_id", GUID, nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        _fk("energizing_candidate_evidence", "candidate_id", "energizing_candidate.id"),
        sa.UniqueConstraint("tenant_id", "mention_id", name="uq_energizing_candidate_evidence_mention"),
    )
    _tenant_index("energizing_candidate_evidence")
    op.create_index("ix_energizing_candidate_evidence_candidate", "energizing_candidate_evidence",
                    ["tenant_id", "candidate_id", "published_at"])

    op.create_table(
        "energizing_candidate_decision", *_common("energizing_candidate_decision"),
        sa.Column("candidate_id", GUID, nullable=True),
        sa.Column("handle", sa.String(length=120), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("basis", sa.String(length=24), nullable=False),
        sa.Column("contact", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by_id", GUID, nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ambassador_id", GUID, nullable=True),
        _fk("energizing_candidate_decision", "candidate_id", "energizing_candidate.id", "SET NULL"),
        _fk("energizing_candidate_decision", "decided_by_id", "user_account.id", "SET NULL"),
        _fk("energizing_candidate_decision", "ambassador_id", "energizing_ambassador.id", "SET NULL"),
    )
    _tenant_index("energizing_candidate_decision")
    op.create_index("ix_energizing_candidate_decision_candidate", "energizing_candidate_decision",
                    ["tenant_id", "candidate_id"])

    op.create_table(
        "energizing_leads_settings", *_common("energizing_leads_settings"),
        sa.Column("webhook_secret_sealed", sa.Text(), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("tenant_id", name="uq_energizing_leads_settings_tenant"),
    )
    _tenant_index("energizing_leads_settings")

    op.create_table(
        "energizing_campaign_link", *_common("energizing_campaign_link"),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("target_url", sa.String(length=2000), nullable=False),
        sa.Column("short_url", sa.String(length=300), nullable=False),
        sa.Column("created_by_id", GUID, nullable=True),
        _fk("energizing_campaign_link", "created_by_id", "user_account.id", "SET NULL"),
        sa.UniqueConstraint("tenant_id", "code", name="uq_energizing_campaign_link_code"),
    )
    _tenant_index("energizing_campaign_link")

    op.create_table(
        "energizing_lead", *_common("energizing_lead"),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("ref_code", sa.String(length=16), nullable=False),
        sa.Column("ambassador_id", GUID, nullable=True),
        sa.Column("campaign_id", GUID, nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("client_ip", sa.String(length=45), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("qualified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lost_reason", sa.Text(), nullable=False),
        sa.Column("changed_by_id", GUID, nullable=True),
        _fk("energizing_lead", "ambassador_id", "energizing_ambassador.id", "SET NULL"),
        _fk("energizing_lead", "campaign_id", "energizing_campaign_link.id", "SET NULL"),
        _fk("energizing_lead", "changed_by_id", "user_account.id", "SET NULL"),
        sa.UniqueConstraint("tenant_id", "external_id", name="uq_energizing_lead_external"),
    )
    _tenant_index("energizing_lead")
    for name, columns in (("created", ["tenant_id", "created_at"]), ("qualified", ["tenant_id", "qualified_at"]),
                          ("state", ["tenant_id", "state", "created_at"]),
                          ("client", ["tenant_id", "client_ip", "created_at"]),
                          ("ambassador", ["tenant_id", "ambassador_id", "created_at"]),
                          ("campaign", ["tenant_id", "campaign_id", "created_at"])):
        op.create_index(f"ix_energizing_lead_{name}", "energizing_lead", columns)

    op.create_table(
        "energizing_lead_week", *_common("energizing_lead_week"),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("leads", sa.Integer(), nullable=False),
        sa.Column("qualified", sa.Integer(), nullable=False),
        sa.UniqueConstraint("tenant_id", "week_start", "source", name="uq_energizing_lead_week"),
    )
    _tenant_index("energizing_lead_week")

    op.create_table(
        "energizing_crm_receipt", *_common("energizing_crm_receipt"),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("tenant_id", "signature", name="uq_energizing_crm_receipt_signature"),
    )
    _tenant_index("energizing_crm_receipt")
    op.create_index("ix_energizing_crm_receipt_received", "energizing_crm_receipt", ["tenant_id", "received_at"])


def downgrade() -> None:
    for table in ("energizing_crm_receipt", "energizing_lead_week", "energizing_lead", "energizing_campaign_link", "energizing_leads_settings",
                  "energizing_candidate_decision", "energizing_candidate_evidence", "energizing_candidate",
                  "energizing_listening_settings"):
        op.drop_table(table)
