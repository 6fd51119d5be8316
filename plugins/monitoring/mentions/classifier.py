"""The tenant's sentiment classifier store: one `ClassifierState` row, cached per process by its revision.

Reading (ingestion, classify) shares one cached classifier per tenant revision and never locks. Learning
(a correction) takes the row lock first and works on a private copy, so two people correcting at the same
time queue up instead of one overwriting the other's step, and a rolled-back correction leaves the cache
untouched. `save_classifier` bumps the revision, which tells every process to reload.
"""

from __future__ import annotations

import copy
import logging
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import current_tenant_id
from plugins.monitoring.models import ClassifierState
from plugins.monitoring.sentiment import Classifier

log = logging.getLogger("regie.monitoring")
_CACHE: dict[UUID | None, tuple[int, Classifier]] = {}


def _insert(session: AsyncSession) -> Any:
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(ClassifierState)


async def _cached(session: AsyncSession, revision: int | None) -> Classifier:
    tenant_id = current_tenant_id()
    if revision is None:
        cached = _CACHE.get(tenant_id)
        if cached is None or cached[0] != -1:
            _CACHE[tenant_id] = (-1, Classifier.fresh())
        return _CACHE[tenant_id][1]
    cached = _CACHE.get(tenant_id)
    if cached is not None and cached[0] == revision:
        return cached[1]
    state = await session.scalar(select(ClassifierState.state))
    try:
        classifier = Classifier.from_bytes(state) if state else Classifier.fresh()
    except ValueError:  # a state an older or newer sentiment model wrote: predict out of the box, keep ingesting
        log.exception("the stored classifier of tenant %s cannot be read: using the out-of-the-box model", tenant_id)
        classifier = Classifier.fresh()
    _CACHE[tenant_id] = (revision, classifier)
    return classifier


async def reading_classifier(session: AsyncSession) -> Classifier:
    """The shared classifier for predictions only: never call `learn` on it."""
    return await _cached(session, await session.scalar(select(ClassifierState.revision)))


async def load_classifier(session: AsyncSession) -> Classifier:
    """A private copy to learn on, with the tenant's row locked (PostgreSQL) until the transaction ends."""
    query = select(ClassifierState.revision)
    if session.bind.dialect.name == "postgresql":
        await session.execute(_insert(session).on_conflict_do_nothing(index_elements=["tenant_id"]),
                              [{"state": Classifier.fresh().to_bytes(), "learned": 0, "revision": 0}])
        query = query.with_for_update()
    revision = await session.scalar(query)
    return copy.deepcopy(await _cached(session, revision))


async def save_classifier(session: AsyncSession, classifier: Classifier) -> int:
    """Store what the classifier learned; returns the new revision."""
    values = {"state": classifier.to_bytes(), "learned": int(classifier.learned)}
    stmt = _insert(session)
    stmt = stmt.on_conflict_do_update(index_elements=["tenant_id"], set_={
        **{k: getattr(stmt.excluded, k) for k in values}, "revision": ClassifierState.revision + 1})
    await session.execute(stmt, [{**values, "revision": 1}])
    return int(await session.scalar(select(ClassifierState.revision)) or 0)
