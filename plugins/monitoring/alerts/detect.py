"""Spike and negative-surge detection per search profile, against the profile's own recent baseline.

The rules (the README's alerts section repeats them):

- Current window: `(now - alert_window_minutes, now]`, counted from the raw mentions of the profile
  (`MentionProfile` joined with `Mention`, folded duplicates left out): a small range on an index.
- Baseline: the 7 days of `HourStat` (profile_key = the profile) before the hour in which the window starts,
  so the current window never counts in its own baseline. History starts at the first hour with data or at
  the profile's creation, whichever came first. Hourly counts (an hour without mentions counts 0) give mean
  mu and standard deviation sigma per hour; for a window of w hours the baseline is mu*w with spread
  sigma*sqrt(w) (hours taken as independent). The baseline negative share is negatives / mentions.
- Too little history (< 24 h or < 20 mentions): the volume threshold is `volume_min_mentions` alone and the
  baseline negative share is assumed to be 1/3 (nothing known: the three labels equally likely).
- Volume spike: window volume >= max(volume_min_mentions, volume_factor * mu*w, mu*w + 3 * sigma*sqrt(w)).
  The 3-sigma floor keeps a profile whose volume swings (day and night) from alerting on its normal peaks.
- Negative surge: window volume >= volume_min_mentions and negative share - baseline share >= negative_rise.
- Episodes: an open or acknowledged alert of the same profile and kind is updated (last_seen_at, observed,
  peak, details), never duplicated and never announced again. It closes when its condition has not held
  for a full window. An alert closed by hand stays closed while its condition keeps holding (its numbers
  still update); only after a full window without the condition does a new episode open a new alert.
- Concurrency: each check locks the profile rows it evaluates (PostgreSQL: `FOR NO KEY UPDATE`, which does
  not block ingestion's foreign-key locks; SQLite: a no-op UPDATE that takes the database's write lock before
  anything is read), so two checks at once cannot both open an alert.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainEvent,
    Msg,
    current_tenant,
    department_and_regie,
    fire_events,
    notify_people,
    owning_department,
    record_audit,
    utcnow,
)
from plugins.monitoring.alerts.service import (
    ACTIVE,
    NO_HISTORY_NEGATIVE_SHARE,
    hour_of,
    summary_of,
    title_of,
)
from plugins.monitoring.models import Alert, HourStat, Mention, MentionProfile, SearchProfile

BASELINE_DAYS = 7
MIN_HISTORY_HOURS = 24
MIN_HISTORY_MENTIONS = 20
SIGMAS = 3.0


@dataclass(frozen=True)
class Window:
    """What the profile got in the current window."""

    start: datetime
    end: datetime
    volume: int
    negative: int

    @property
    def negative_share(self) -> float:
        return self.negative / self.volume if self.volume else 0.0


@dataclass(frozen=True)
class Baseline:
    """The profile's own recent normal, scaled to one window."""

    hours: int
    mentions: int
    negative: int
    mean: float
    """Mean mentions per window."""
    spread: float
    """Standard deviation per window."""

    @property
    def enough(self) -> bool:
        return self.hours >= MIN_HISTORY_HOURS and self.mentions >= MIN_HISTORY_MENTIONS

    @property
    def negative_share(self) -> float:
        return self.negative / self.mentions if self.enough else NO_HISTORY_NEGATIVE_SHARE


async def observe(session: AsyncSession, profile_id: UUID, start: datetime, end: datetime) -> Window:
    negative = func.coalesce(func.sum(case((Mention.sentiment == "negative", 1), else_=0)), 0)
    volume, neg = (await session.execute(
        select(func.count(), negative).select_from(MentionProfile)
        .join(Mention, Mention.id == MentionProfile.mention_id)
        .where(MentionProfile.profile_id == profile_id, MentionProfile.published_at > start,
               MentionProfile.published_at <= end, Mention.duplicate_of_id.is_(None)))).one()
    return Window(start=start, end=end, volume=int(volume or 0), negative=int(neg or 0))


async def baseline_of(session: AsyncSession, profile: SearchProfile, window_start: datetime) -> Baseline:
    end = hour_of(window_start)
    start = end - timedelta(days=BASELINE_DAYS)
    negative = func.sum(case((HourStat.sentiment == "negative", HourStat.mentions), else_=0))
    rows = (await session.execute(
        select(HourStat.hour, func.sum(HourStat.mentions), negative)
        .where(HourStat.profile_key == profile.id, HourStat.hour >= start, HourStat.hour < end)
        .group_by(HourStat.hour))).all()
    counts = {h: (int(n or 0), int(neg or 0)) for h, n, neg in rows if n}
    created = hour_of(profile.created_at or end)
    first = min([*counts, created])
    history_start = max(start, first)
    hours = max(0, int((end - history_start).total_seconds() // 3600))
    per_hour = [counts.get(history_start + timedelta(hours=i), (0, 0))[0] for i in range(hours)]
    if not hours:
        return Baseline(hours=0, mentions=0, negative=0, mean=0.0, spread=0.0)
    mentions = sum(per_hour)
    negatives = sum(neg for _n, neg in counts.values())
    w = profile.alert_window_minutes / 60
    mu = mentions / hours
    sigma = math.sqrt(sum((c - mu) ** 2 for c in per_hour) / hours)
    return Baseline(hours=hours, mentions=mentions, negative=negatives, mean=mu * w, spread=sigma * math.sqrt(w))


def volume_threshold(profile: SearchProfile, baseline: Baseline) -> float:
    if not baseline.enough:
        return float(profile.volume_min_mentions)
    return max(float(profile.volume_min_mentions), profile.volume_factor * baseline.mean,
               baseline.mean + SIGMAS * baseline.spread)


def holds(kind: str, profile: SearchProfile, window: Window, baseline: Baseline) -> bool:
    if kind == "volume":
        return window.volume >= volume_threshold(profile, baseline)
    return (window.volume >= profile.volume_min_mentions
            and window.negative_share - baseline.negative_share >= profile.negative_rise - 1e-9)


def _figures(kind: str, window: Window, baseline: Baseline) -> tuple[float, float]:
    """(observed, baseline) as the alert stores them: a count per window, or a share."""
    if kind == "volume":
        return float(window.volume), (baseline.mean if baseline.enough else 0.0)
    return window.negative_share, baseline.negative_share


def _details(profile: SearchProfile, window: Window, baseline: Baseline, previous: dict[str, Any]) -> dict[str, Any]:
    return {**previous,
            "window_minutes": profile.alert_window_minutes, "volume": window.volume, "negative": window.negative,
            "negative_share": round(window.negative_share, 4),
            "baseline_volume": round(baseline.mean, 3), "baseline_spread": round(baseline.spread, 3),
            "volume_threshold": round(volume_threshold(profile, baseline), 3),
            "baseline_negative_share": round(baseline.negative_share, 4),
            "baseline_hours": baseline.hours, "baseline_mentions": baseline.mentions,
            "fallback": not baseline.enough, "volume_factor": profile.volume_factor,
            "volume_min_mentions": profile.volume_min_mentions, "negative_rise": profile.negative_rise,
            "checks": int(previous.get("checks", 0)) + 1}


async def _locked_profiles(session: AsyncSession, profile_ids: list[UUID] | None) -> list[SearchProfile]:
    query = select(SearchProfile).order_by(SearchProfile.id).execution_options(populate_existing=True)
    if profile_ids is not None:
        query = query.where(SearchProfile.id.in_(profile_ids))
    if session.bind.dialect.name == "postgresql":
        return list((await session.scalars(query.with_for_update(key_share=True))).all())
    touch = update(SearchProfile).values(updated_at=SearchProfile.updated_at)
    if profile_ids is not None:
        touch = touch.where(SearchProfile.id.in_(profile_ids))
    await session.execute(touch.execution_options(synchronize_session=False))
    return list((await session.scalars(query)).all())


async def _episode(session: AsyncSession, profile: SearchProfile, kind: str, now: datetime) -> Alert | None:
    """The alert this check continues: an active one, or one closed by hand whose condition still held lately."""
    recent = now - timedelta(minutes=profile.alert_window_minutes)
    return await session.scalar(
        select(Alert).where(Alert.profile_id == profile.id, Alert.kind == kind,
                            or_(Alert.status.in_(ACTIVE), Alert.last_seen_at > recent))
        .order_by(case((Alert.status.in_(ACTIVE), 0), else_=1), Alert.started_at.desc()).limit(1))


def _continue(alert: Alert, kind: str, profile: SearchProfile, window: Window, baseline: Baseline,
              now: datetime) -> None:
    observed, normal = _figures(kind, window, baseline)
    alert.last_seen_at = now
    alert.observed = observed
    alert.baseline = normal
    if observed > alert.peak:
        alert.peak = observed
        peak_at = now.isoformat()
    else:
        peak_at = (alert.details or {}).get("peak_at", "")
    alert.details = {**_details(profile, window, baseline, alert.details or {}), "peak_at": peak_at}


def _open(kind: str, profile: SearchProfile, window: Window, baseline: Baseline, now: datetime) -> Alert:
    observed, normal = _figures(kind, window, baseline)
    return Alert(profile_id=profile.id, kind=kind, status="open", started_at=now, last_seen_at=now,
                 window_start=window.start, observed=observed, baseline=normal, peak=observed,
                 details={**_details(profile, window, baseline, {}), "peak_at": now.isoformat()})


async def _evaluate(session: AsyncSession, profile: SearchProfile, now: datetime) -> list[Alert]:
    """One profile: continue, open or close its episodes; returns the alerts opened."""
    minutes = timedelta(minutes=profile.alert_window_minutes)
    enabled = profile.is_active and profile.alerts_enabled
    window = await observe(session, profile.id, now - minutes, now) if enabled else None
    baseline = await baseline_of(session, profile, now - minutes) if enabled else None
    opened = []
    for kind in ("volume", "negative"):
        alert = await _episode(session, profile, kind, now)
        if window is not None and baseline is not None and holds(kind, profile, window, baseline):
            if alert is None:
                alert = _open(kind, profile, window, baseline, now)
                session.add(alert)
                opened.append(alert)
            else:
                _continue(alert, kind, profile, window, baseline, now)
        elif alert is not None and alert.status in ACTIVE and now - alert.last_seen_at >= minutes:
            alert.status = "closed"
            alert.ended_at = now
    return opened


async def announce(session: AsyncSession, alerts: list[Alert], profiles: dict[UUID, SearchProfile], *,
                   settings: Any, pm: Any, tenant_id: UUID, tenant_slug: str) -> None:
    """A new episode: tell the owning department and the regie holder (app + e-mail), audit it, fire an event."""
    if not alerts:
        return
    users = await department_and_regie(session, await owning_department(session, "monitoring"))
    events = []
    for alert in alerts:
        profile = profiles[alert.profile_id]
        href = f"/t/{tenant_slug}/p/monitoring/alerts/{alert.id}"
        await notify_people(session, settings, users, "monitoring.alert", title_of(alert, profile.name),
                            summary_of(alert), href=href)
        await record_audit(session, "system", "monitoring.alert_raised", subject=alert, tenant_id=tenant_id,
                           summary=Msg("{title}: {summary}", title=title_of(alert, profile.name),
                                       summary=summary_of(alert)),
                           data={"profile_id": str(profile.id), "observed": alert.observed,
                                 "baseline": alert.baseline}, touch=False)
        events.append(DomainEvent("alert.raised", {
            "alert_id": str(alert.id), "profile_id": str(profile.id), "profile": profile.name, "kind": alert.kind,
            "observed": alert.observed, "baseline": alert.baseline, "started_at": alert.started_at.isoformat(),
            "window_start": alert.window_start.isoformat(), "href": href}))
    tenant = SimpleNamespace(id=tenant_id, slug=tenant_slug)
    await fire_events(session, tenant, pm, events, exclude="monitoring")  # type: ignore[arg-type]


def _ids(values: Iterable[Any] | None) -> list[UUID] | None:
    if values is None:
        return None
    found = []
    for value in values:
        try:
            found.append(value if isinstance(value, UUID) else UUID(str(value)))
        except ValueError:
            continue
    return found


async def check(session: AsyncSession, *, now: datetime | None = None, profile_ids: Iterable[Any] | None = None,
                settings: Any, pm: Any, tenant_id: UUID, tenant_slug: str | None = None) -> list[Alert]:
    """Evaluate the profiles (all, or `profile_ids`) at `now`; returns the alerts opened (and announced).

    Runs inside the caller's transaction, which must be the tenant's. Idempotent: a second check at the
    same moment finds the episodes open and only updates them.
    """
    now = now or utcnow()
    ids = _ids(profile_ids)
    if ids == []:
        return []
    profiles = await _locked_profiles(session, ids)
    opened: list[Alert] = []
    for profile in profiles:
        opened += await _evaluate(session, profile, now)
    if opened:
        await session.flush()
        slug = tenant_slug if tenant_slug is not None else (await current_tenant(session)).slug
        await announce(session, opened, {p.id: p for p in profiles}, settings=settings, pm=pm,
                       tenant_id=tenant_id, tenant_slug=slug)
    await session.flush()
    return opened
