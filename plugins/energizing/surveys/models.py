"""NPS surveys: the survey, the tenant's contact list, personal invitations, answers and the daily rollup.

An answer counts once it is confirmed: at once for a personal invitation (the link is the proof), after the
e-mail link for the shared link. Counting writes `counted_email` (unique per survey, so one address answers
once whichever way it came) and raises the rollup `SurveyDayCount` in the same transaction; every figure a
page, widget or KPI shows is summed from the rollup, never from the answers.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from advanced_alchemy.types import GUID
from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.plugins.api import N_, Base, TenantScoped

ZONE = ZoneInfo("Europe/Amsterdam")
"""The organisation's days: the rollup's days and the periods of the results."""
STATES: dict[str, str] = {"draft": N_("draft"), "open": N_("open"), "closed": N_("closed")}
CATEGORIES: dict[str, str] = {"promoter": N_("promoter"), "passive": N_("passive"), "detractor": N_("detractor")}
QUESTION_KINDS: dict[str, str] = {"text": N_("short text"), "scale": N_("scale of 1 to 5")}
SENTIMENTS: dict[str, str] = {"positive": N_("positive"), "neutral": N_("neutral"), "negative": N_("negative")}


def category_of(score: int) -> str:
    """promoter (9–10), passive (7–8), detractor (0–6): the NPS convention."""
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


class Survey(TenantScoped, Base):
    """One NPS survey: the 0–10 question, "why", and a few extra questions of its own."""

    __tablename__ = "energizing_survey"
    __table_args__ = (UniqueConstraint("share_token", name="uq_energizing_survey_share_token"),)

    title: Mapped[str] = mapped_column(String(160))
    intro: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(8), default="draft")
    share_token: Mapped[str] = mapped_column(String(48))
    """The shared link's token: public by design (anyone with the link may answer, confirmed by e-mail)."""
    questions: Mapped[list] = mapped_column(JSON, default=list)
    """Extra questions: [{"key": "q1", "label": "...", "kind": "text" | "scale"}], at most `MAX_QUESTIONS`."""
    period_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    period_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    """The results page's default period, when set."""
    reminder_days: Mapped[int] = mapped_column(Integer, default=5)
    invited: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       nullable=True)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SurveySettings(TenantScoped, Base):
    """The tenant's survey settings (one row): follow up detractors as a case automatically, and from which
    score down."""

    __tablename__ = "energizing_survey_settings"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_energizing_survey_settings_tenant"),)

    auto_case: Mapped[bool] = mapped_column(Boolean, default=False)
    case_threshold: Mapped[int] = mapped_column(Integer, default=6)


class SurveyContact(TenantScoped, Base):
    """A person on the tenant's contact list; only those with consent are ever mailed."""

    __tablename__ = "energizing_survey_contact"
    __table_args__ = (UniqueConstraint("tenant_id", "email", name="uq_energizing_survey_contact_email"),)

    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120), default="")
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_text: Mapped[str] = mapped_column(String(40), default="")
    """The consent value as the uploaded file gave it ("ja", "yes", "1", ...)."""


class SurveyInvitation(TenantScoped, Base):
    """A personal invitation: one per contact per survey; its link answers once (only the digest is kept)."""

    __tablename__ = "energizing_survey_invitation"
    __table_args__ = (
        UniqueConstraint("tenant_id", "survey_id", "email", name="uq_energizing_survey_invitation_email"),
        UniqueConstraint("token_digest", name="uq_energizing_survey_invitation_token"),
        Index("ix_energizing_survey_invitation_reminder", "tenant_id", "survey_id", "answered_at", "reminded_at"),
    )

    survey_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("energizing_survey.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120), default="")
    token_digest: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SurveyAnswer(TenantScoped, Base):
    """One answer: the score, why, the extra questions; pending until confirmed when it came by the shared link."""

    __tablename__ = "energizing_survey_answer"
    __table_args__ = (
        UniqueConstraint("tenant_id", "survey_id", "counted_email", name="uq_energizing_survey_answer_counted"),
        UniqueConstraint("invitation_id", name="uq_energizing_survey_answer_invitation"),
        UniqueConstraint("confirm_digest", name="uq_energizing_survey_answer_confirm"),
        Index("ix_energizing_survey_answer_list", "tenant_id", "survey_id", "state", "answered_at"),
        Index("ix_energizing_survey_answer_ip", "tenant_id", "client_ip", "answered_at"),
        Index("ix_energizing_survey_answer_sentiment", "tenant_id", "state", "sentiment_label"),
    )

    survey_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("energizing_survey.id", ondelete="CASCADE"))
    invitation_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("energizing_survey_invitation.id", ondelete="SET NULL"), nullable=True)
    state: Mapped[str] = mapped_column(String(8), default="pending")
    """pending (waiting for the e-mail link) or counted."""
    email: Mapped[str] = mapped_column(String(254))
    counted_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    """The address once counted: unique per survey, so an address answers once (NULL while pending)."""
    name: Mapped[str] = mapped_column(String(120), default="")
    score: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(10))
    why: Mapped[str] = mapped_column(Text, default="")
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    """The extra questions' answers by key (text, or 1–5)."""
    may_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    """The respondent ticked "you may contact me about this": only then may a promoter be invited."""
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    confirm_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    confirm_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    client_ip: Mapped[str] = mapped_column(String(45), default="")
    sentiment_label: Mapped[str] = mapped_column(String(8), default="")
    """Set by the classification job when a plugin classifies (monitoring); empty until then."""
    sentiment_score: Mapped[float | None] = mapped_column(nullable=True)
    case_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When `nps.case_requested` was fired for it (once per answer)."""
    ambassador_invited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SurveyDayCount(TenantScoped, Base):
    """The rollup: counted answers per survey, day (Europe/Amsterdam) and score, raised with each answer."""

    __tablename__ = "energizing_survey_day_count"
    __table_args__ = (
        UniqueConstraint("tenant_id", "survey_id", "day", "score", name="uq_energizing_survey_day_count"),
        Index("ix_energizing_survey_day_count_day", "tenant_id", "day"),
    )

    survey_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("energizing_survey.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    score: Mapped[int] = mapped_column(Integer)
    answers: Mapped[int] = mapped_column(Integer, default=0)
