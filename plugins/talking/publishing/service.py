"""Publishing a scheduled post when its time comes: each variant through its account's channel connection.

- Planning: a post that becomes scheduled (or moves) within `HORIZON` of its moment gets a delayed job for that
  moment (`plan`); the sweeper (`sweep`, every minute) plans every post due within `LOOKAHEAD` and so catches
  what lies further ahead, approvals that let a post through, and a message that got lost. The message names
  the moment it was planned for: a post moved since then finds its old message with nothing to do. Messages
  are due `AHEAD` of the moment and the run that holds the post's lock waits for it (copies of the message
  return at once), so the broker's own lateness does not add to the post's.
- Never twice (docs/channels.md): the record key is chosen and committed before sending; a variant whose key
  was stored before this run (a retry, or a run that died after sending) first asks `find(key)`; the network's
  address is committed with the variant as published, and only then the post is settled.
- Failure: a `ChannelError` is tried again after `BACKOFF` (30 s, 2 min, 10 min, 30 min), then the variant fails;
  refused credentials (`auth`) fail at once. Every try is a `PublishAttempt` row (the post's publish log).
- By hand: an account without a connection that sends (none, disconnected, or posted elsewhere) cannot be sent
  to automatically; its variant waits as `by_hand` and the author is told to post it now and record where.
- The post: `published` once every variant Regie sends is out (its `published_at` the first one's); `failed`
  when one of them failed for good (the others may be out: then `published_at` says when the first went out);
  only by-hand variants: it stays `scheduled` with `state_reason="by_hand"` until a person records it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from core.plugins.api import (
    Capability,
    ChannelError,
    Image,
    JobContext,
    Msg,
    NotConnected,
    PostDraft,
    PostRef,
    as_utc,
    channel_states,
    check_outbound_url,
    department_and_regie,
    department_choices,
    enqueue_job,
    job_transaction,
    new_key,
    notify_people,
    open_channel,
    record_account_post,
    utcnow,
)
from plugins.talking.approvals.config import in_crisis
from plugins.talking.models import Post, PostVariant, PublishAttempt

PUBLISH_JOB = "talking.publish_post"
DUE_STATES = ("scheduled", "approved")
"""States in which a post goes out when its moment comes (approved: the approval let it through)."""
SENDING = ("atproto", "webhook")
"""Connectors that publish by themselves; any other account is posted by hand."""
BACKOFF = (30, 120, 600, 1800)
"""Seconds before the next try after failed try 1, 2, 3, 4; the fifth failure is final."""
MAX_ATTEMPTS = len(BACKOFF) + 1
HORIZON = 3600.0
"""A post due within this many seconds gets its delayed message at once; later ones are planned by the sweeper."""
LOOKAHEAD = 150.0
"""The sweeper (every `SWEEP_SECONDS`) plans posts due within this many seconds: more than one interval ahead."""
SWEEP_SECONDS = 60
EARLY = 1.0
"""A message may arrive this much before its moment (clocks of different hosts) and still count as due."""
AHEAD = 2.0
"""Messages are planned this many seconds before the moment and their run waits for it: a broker hands out a
delayed message up to a couple of seconds late (dramatiq polls idle queues with a back-off of up to a second,
the delay queue and then the work queue), so a post planned for its exact moment would go out that much late."""
IMAGE_BYTES = 1_000_000
"""The largest image the AT Protocol takes."""


def moment_key(moment: datetime) -> str:
    return as_utc(moment).isoformat()


def plan(session: AsyncSession, post: Post, now: datetime | None = None) -> bool:
    """Queue the post's publishing for its moment when that is within `HORIZON` (else the sweeper will)."""
    if post.state not in DUE_STATES or post.publish_at is None:
        return False
    delay = (as_utc(post.publish_at) - (now or utcnow())).total_seconds()
    if delay > HORIZON:
        return False
    enqueue_job(session, PUBLISH_JOB, after_seconds=max(0.0, delay - AHEAD), post_id=str(post.id),
                at=moment_key(post.publish_at))
    return True


def reset_unsent(post: Post) -> None:
    """A post submitted (again): every variant not yet out starts afresh (its stored key is kept)."""
    for variant in post.variants:
        if variant.published_at is None:
            variant.publish_state, variant.attempts, variant.next_attempt_at, variant.last_error = "", 0, None, ""


async def sweep(ctx: JobContext, **_: Any) -> int:
    """Every minute: plan each post due within `LOOKAHEAD` (and any overdue one) that still has work."""
    assert ctx.session is not None
    now = utcnow()
    rows = (await ctx.session.execute(
        select(Post.id, Post.publish_at).where(
            Post.state.in_(DUE_STATES), Post.publish_at <= now + timedelta(seconds=LOOKAHEAD),
            Post.state_reason != "by_hand").order_by(Post.publish_at).limit(500))).all()
    for post_id, publish_at in rows:
        assert publish_at is not None  # the query asks for a moment
        delay = max(0.0, (as_utc(publish_at) - now).total_seconds() - AHEAD)
        enqueue_job(ctx.session, PUBLISH_JOB, after_seconds=delay, post_id=str(post_id), at=moment_key(publish_at))
    return len(rows)


# -- the job ---------------------------------------------------------------------------------------------------

@asynccontextmanager
async def post_lock(ctx: JobContext, post_id: UUID) -> AsyncIterator[bool]:
    """One run per post at a time (PostgreSQL advisory lock on a connection of its own, released when the run
    ends or its process dies); False: another run has it, and will do the work."""
    async with ctx.sessionmaker() as session:
        if session.get_bind().dialect.name != "postgresql":
            yield True
            return
        key = int.from_bytes(post_id.bytes[:8], "big", signed=True)
        held = bool(await session.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}))
        try:
            yield held
        finally:
            if held:
                await session.scalar(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            await session.rollback()


@dataclass
class Work:
    variant_id: UUID
    account_id: UUID
    key: str
    ask_first: bool
    """The key was stored before this run: the post may be out already (ask `find` first)."""
    revision: int
    """The post as this run found it: an edit, a move, a cancel or a pause meanwhile stops the sending."""


async def publish_post(ctx: JobContext, post_id: str = "", at: str = "", **_: Any) -> str:
    """`talking.publish_post`: send the due variants of one post. Idempotent: what is out is never sent again."""
    try:
        wanted = UUID(str(post_id))
    except ValueError:
        return "skipped"
    async with post_lock(ctx, wanted) as held:
        if not held:
            return "busy"  # another copy has it (and waits for the moment, or works): one thread per post
        await _until_the_moment(ctx, wanted, at)
        outcome, work = await _prepare(ctx, wanted, at)
        if outcome:
            return outcome
        for item in work:
            await send_variant(ctx, wanted, item)
        return await settle(ctx, wanted)


async def _until_the_moment(ctx: JobContext, post_id: UUID, at: str) -> None:
    """A message planned `AHEAD` of its moment waits for it here (outside any transaction)."""
    if not at:
        return
    async with job_transaction(ctx) as session:
        moment = await session.scalar(select(Post.publish_at).where(Post.id == post_id))
    if moment is None or moment_key(moment) != at:
        return
    wait = (as_utc(moment) - utcnow()).total_seconds()
    if 0 < wait <= AHEAD + EARLY:
        await asyncio.sleep(wait)


async def _prepare(ctx: JobContext, post_id: UUID, at: str) -> tuple[str, list[Work]]:
    """Decide per variant (send, by hand, not yet) and commit the keys before anything is sent."""
    now = utcnow()
    async with job_transaction(ctx) as session:
        post = await session.scalar(select(Post).where(Post.id == post_id).options(selectinload(Post.variants)))
        if post is None or post.state not in DUE_STATES or post.publish_at is None:
            return "nothing", []
        if at and at != moment_key(post.publish_at):
            return "moved", []  # planned for a moment the post no longer has
        wait = (as_utc(post.publish_at) - now).total_seconds()
        if wait > EARLY:
            if at and wait <= HORIZON:  # the message came early: come back at the moment
                enqueue_job(session, PUBLISH_JOB, after_seconds=max(0.0, wait - AHEAD), post_id=str(post.id),
                            at=at)
            return "early", []
        if post.approval_expires_at is not None and as_utc(post.approval_expires_at) <= now:
            return "expired", []
        if await in_crisis(session):  # whatever brought it here (a retry, a date given meanwhile): not now
            post.state, post.state_reason = "paused", "crisis"
            post.revision += 1
            return "paused", []
        states = await channel_states(session, [v.account_id for v in post.variants])
        work, by_hand = [], []
        for variant in post.variants:
            if variant.published_at is not None or variant.publish_state in ("published", "failed", "by_hand"):
                continue
            if variant.next_attempt_at is not None and \
                    (as_utc(variant.next_attempt_at) - now).total_seconds() > EARLY:
                continue  # waits for its next try
            state = states.get(variant.account_id)
            if state is None or state.connector not in SENDING or state.status == "disconnected":
                _by_hand(session, post, variant, now)
                by_hand.append(variant)
                continue
            key, ask_first = await claim_key(session, variant)  # committed before sending
            work.append(Work(variant.id, variant.account_id, key, ask_first, post.revision))
        if by_hand:
            await notify_author(session, ctx, post, Msg("Post this by hand now: {title}", title=post.title),
                                Msg("Its time has come, but Regie cannot send it on {accounts}: post it there and "
                                    "record where on its page.",
                                    accounts=", ".join(f"{v.platform} @{v.handle}" for v in by_hand)))
    return "", work


async def claim_key(session: AsyncSession, variant: PostVariant) -> tuple[str, bool]:
    """The variant's record key, and whether it was stored before this run (then the post may be out: ask
    `find` first). A new key is stored only where none is (compare and set), so two runs that overlap — a
    delayed message and the sweeper where no advisory lock exists (SQLite) — send under one key, and the
    network keeps one record per key."""
    if variant.remote_key:
        return variant.remote_key, True
    key = new_key()
    claimed = await session.execute(update(PostVariant).where(PostVariant.id == variant.id,
                                                              PostVariant.remote_key == "")
                                    .values(remote_key=key).execution_options(synchronize_session=False))
    if claimed.rowcount == 1:  # type: ignore[attr-defined]
        set_committed_value(variant, "remote_key", key)
        return key, False
    await session.refresh(variant, ["remote_key"])
    return variant.remote_key, True


def _by_hand(session: AsyncSession, post: Post, variant: PostVariant, now: datetime) -> None:
    variant.publish_state = "by_hand"
    session.add(PublishAttempt(post_id=post.id, variant_id=variant.id, attempt=variant.attempts + 1, at=now,
                               outcome="by_hand", reason="", remote_uri=""))


async def send_variant(ctx: JobContext, post_id: UUID, item: Work) -> str:
    """One try for one variant, in a transaction of its own: the outcome and the connection's state commit
    together."""
    async with job_transaction(ctx) as session:
        post = await session.get(Post, post_id)
        variant = await session.get(PostVariant, item.variant_id)
        if post is None or variant is None or variant.published_at is not None or post.state not in DUE_STATES \
                or post.revision != item.revision:
            return "nothing"  # out already, or the post changed since the run began (edited, moved, paused)
        attempt, now = variant.attempts + 1, utcnow()
        try:
            async with open_channel(session, ctx.settings, variant.account_id) as (connector, connection):
                found = await connector.find(connection, item.key) \
                    if item.ask_first and Capability.find in connector.capabilities else None
                ref = found or await connector.publish(connection, await draft_of(ctx, post, variant, connector.name,
                                                                                  item.key, attempt))
                await record_sent(session, post, variant, ref, attempt, found is not None)
        except NotConnected:
            _by_hand(session, post, variant, now)
            return "by_hand"
        except ChannelError as exc:
            await _failed(session, ctx, post, variant, attempt, exc)
            return "failed"
        return "published"


async def record_sent(session: AsyncSession, post: Post, variant: PostVariant, ref: PostRef, attempt: int,
                      found: bool) -> None:
    """Where the variant now is; committed (with the variant published) before the post is settled."""
    now = utcnow()
    variant.remote_uri, variant.external_url = ref.uri[:500], (ref.url or variant.external_url)[:2000]
    variant.publish_state, variant.published_at, variant.attempts = "published", now, attempt
    variant.next_attempt_at, variant.last_error = None, ""
    session.add(PublishAttempt(post_id=post.id, variant_id=variant.id, attempt=attempt, at=now,
                               outcome="found" if found else "published", reason="", remote_uri=ref.uri[:500]))
    await record_account_post(session, variant.account_id, now)


async def _failed(session: AsyncSession, ctx: JobContext, post: Post, variant: PostVariant, attempt: int,
                  exc: ChannelError) -> None:
    final = exc.auth or attempt >= MAX_ATTEMPTS
    now = utcnow()
    variant.attempts, variant.last_error = attempt, exc.reason
    if final:
        variant.publish_state, variant.next_attempt_at = "failed", None
    else:
        delay = BACKOFF[attempt - 1]
        variant.publish_state, variant.next_attempt_at = "retrying", now + timedelta(seconds=delay)
        if post.publish_at is not None:
            enqueue_job(session, PUBLISH_JOB, after_seconds=delay, post_id=str(post.id),
                        at=moment_key(post.publish_at))
    session.add(PublishAttempt(post_id=post.id, variant_id=variant.id, attempt=attempt, at=now,
                               outcome="failed" if final else "retry", reason=exc.reason, remote_uri=""))


async def draft_of(ctx: JobContext, post: Post, variant: PostVariant, connector: str, key: str,
                   attempt: int) -> PostDraft:
    """The variant as its connector takes it. The webhook gets a delivery id per try (the receiver drops one it
    has seen) and the record key in its document, to recognise a post it already has."""
    reply_to = None
    if post.reply_to_uri:
        try:
            reply_to = PostRef.from_uri(post.reply_to_uri)
        except ValueError:
            reply_to = None
    if connector == "webhook":
        document = {"key": key, "post_id": str(post.id), "account": variant.handle, "platform": variant.platform,
                    "text": variant.text, "images": variant.images or [], "reply_to": post.reply_to_uri}
        return PostDraft(text=variant.text, key=f"{key}:{attempt}", reply_to=reply_to, document=document)
    images = tuple([await fetch_image(ctx.settings, image) for image in variant.images or []])
    return PostDraft(text=variant.text, key=key, reply_to=reply_to, images=images)


async def fetch_image(settings: Any, image: dict[str, Any]) -> Image:
    """An image of the variant, fetched from its address (checked against private networks): an image type, at
    most `IMAGE_BYTES`, read in pieces so a larger answer is dropped without being held whole."""
    url = str(image.get("url") or "")
    try:
        checked = await asyncio.to_thread(check_outbound_url, url, settings, "url")
        async with httpx.AsyncClient(timeout=10, follow_redirects=False) as client, \
                client.stream("GET", checked) as response:
            mime = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if response.status_code != 200 or not mime.startswith("image/"):
                raise ChannelError(f"the image {url[:200]} could not be used (HTTP {response.status_code}, "
                                   f"{mime or 'no type'})")
            data = bytearray()
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) > IMAGE_BYTES:
                    raise ChannelError(f"the image {url[:200]} is larger than {IMAGE_BYTES:,} bytes")
    except ChannelError:
        raise
    except Exception as exc:  # noqa: BLE001 - any trouble fetching is a reason to try again later
        raise ChannelError(f"the image {url[:200]} could not be fetched: {type(exc).__name__}") from None
    return Image(data=bytes(data), alt=str(image.get("alt") or ""), mime_type=mime)


async def settle(ctx: JobContext, post_id: UUID) -> str:
    """The post's state from its variants' (see the module's docstring)."""
    async with job_transaction(ctx) as session:
        post = await session.scalar(select(Post).where(Post.id == post_id).with_for_update()
                                    .options(selectinload(Post.variants)))
        if post is None or post.state not in DUE_STATES:
            return "nothing"
        return await settle_post(session, ctx, post)


async def settle_post(session: AsyncSession, ctx: JobContext, post: Post) -> str:
    sent = [v for v in post.variants if v.publish_state != "by_hand"]
    if any(v.publish_state in ("", "retrying") for v in sent):
        return "pending"
    out = [as_utc(v.published_at) for v in post.variants if v.published_at is not None]
    failed = [v for v in sent if v.publish_state == "failed"]
    if failed:
        reason = "; ".join(f"{v.platform} @{v.handle}: {v.last_error}" for v in failed)[:1000]
        post.state, post.state_reason = "failed", reason
        post.published_at = min(out) if out else None
        post.revision += 1
        await notify_author(session, ctx, post, Msg("Your post could not be published: {title}", title=post.title),
                            Msg("Reason: {reason}", reason=reason))
        return "failed"
    if sent:
        post.state, post.state_reason, post.published_at = "published", "", min(out)
        post.revision += 1
        return "published"
    if post.state_reason != "by_hand":
        post.state_reason = "by_hand"
        post.revision += 1
    return "by_hand"


async def notify_author(session: AsyncSession, ctx: JobContext, post: Post, title: Msg, body: Msg) -> None:
    """The author (else the owning department's members and the regie holder), with a link to the post."""
    people = []
    if post.author_id is not None:
        people = [u for u in await department_and_regie(session, post.department_id) if u.id == post.author_id]
        if not people:
            for department_id, _name in await department_choices(session):
                people = [u for u in await department_and_regie(session, department_id, include_regie=False)
                          if u.id == post.author_id]
                if people:
                    break
    if not people:
        people = await department_and_regie(session, post.department_id)
    await notify_people(session, ctx.settings, people, "talking.publishing", title, body,
                        href=f"/t/{ctx.tenant_slug}/p/talking/posts/{post.id}")
