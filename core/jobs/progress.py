"""Progress of long jobs (imports, re-tagging, reports): started in a request, moved by the job."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.base import utcnow
from core.i18n import N_
from core.jobs.models import JobProgress

STATUSES = (N_("queued"), N_("running"), N_("done"), N_("failed"))


def start_progress(session: AsyncSession, kind: str, title: str = "", total: int = 0,
                   started_by_id: UUID | None = None) -> JobProgress:
    """A progress row in the caller's transaction; hand its id to the job."""
    progress = JobProgress(kind=kind, title=title, total=total, started_by_id=started_by_id, status="queued")
    session.add(progress)
    return progress


async def update_progress(sessionmaker: async_sessionmaker[AsyncSession], progress_id: UUID | str, *,
                          done: int | None = None, total: int | None = None, status: str | None = None,
                          result: dict[str, Any] | None = None, error: str | None = None) -> None:
    """Move the bar in a transaction of its own, so the page sees it while the job still runs."""
    async with sessionmaker() as session, session.begin():
        progress = await session.get(JobProgress, UUID(str(progress_id)))
        if progress is None:
            return
        if total is not None:
            progress.total = total
        if done is not None:
            progress.done = done
        if result is not None:
            progress.result = result
        if error is not None:
            progress.error = error[:4000]
        if status is not None:
            progress.status = status
            if status in ("done", "failed"):
                progress.finished_at = utcnow()
