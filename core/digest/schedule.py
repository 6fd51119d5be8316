"""When the weekly digest is due: on Monday from 07:00 Europe/Amsterdam, for the ISO week that just ended.

At any moment exactly one week is due: the latest ISO week whose send time (the following Monday 07:00,
Amsterdam time) has passed. The hourly job therefore sends on Monday from 07:00 and, if the machine was
down, catches up at its next run in the same week; a member who subscribes on Wednesday gets that week's
digest at the next run too. An older week is never sent late (its news is stale by then).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SEND_AT = time(7, 0)


def week_label(monday: date) -> str:
    """The ISO week of a Monday as stored in `DigestDelivery.week`: "2026-W49"."""
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


def due_week(now: datetime) -> date:
    """The Monday of the ISO week whose digest is due at `now` (an aware datetime)."""
    local = now.astimezone(AMSTERDAM)
    this_monday = local.date() - timedelta(days=local.weekday())
    sent_from = datetime.combine(this_monday, SEND_AT, tzinfo=AMSTERDAM)
    return this_monday - timedelta(days=7 if local >= sent_from else 14)


def week_of(label: str) -> date:
    """The Monday of "2026-W49"; ValueError for anything else."""
    year, _sep, week = label.partition("-W")
    return date.fromisocalendar(int(year), int(week), 1)
