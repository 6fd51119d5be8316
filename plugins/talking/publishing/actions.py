"""What a person does with publishing: read the publish log, try a failed post again, delete a published
variant from its network (after confirming), record where a by-hand variant of a published post went out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    Capability,
    ChannelError,
    DomainError,
    FieldErrors,
    NotFound,
    PostRef,
    Refused,
    check_web_url,
    open_channel,
    record_audit,
    utcnow,
)
from plugins.talking.content.service import get_post
from plugins.talking.models import Post, PostVariant, PublishAttempt
from plugins.talking.moments import parse_moment
from plugins.talking.publishing.service import plan, reset_unsent


async def publish_log(session: AsyncSession, post_id: Any) -> list[PublishAttempt]:
    """The post's publish log, newest first (a post has a handful of tries at most)."""
    return list((await session.scalars(select(PublishAttempt).where(PublishAttempt.post_id == post_id)
                                       .order_by(PublishAttempt.at.desc(), PublishAttempt.attempt.desc())
                                       .limit(200))).all())


async def retry(session: AsyncSession, principal: Any, post_id: Any) -> Post:
    """A failed post goes out again now: its variants that are not out get a fresh series of tries."""
    post = await get_post(session, post_id)
    if post.state != "failed":
        raise Refused(msgid="Only a post that failed can be tried again; this post is {state}.", state=post.state)
    reset_unsent(post)
    post.state, post.state_reason = "scheduled", ""
    post.revision += 1
    plan(session, post)
    await record_audit(session, principal, "talking.post_retried", subject=post, summary=post.title)
    return post


def _variant(post: Post, variant_id: Any) -> PostVariant:
    found = next((v for v in post.variants if str(v.id) == str(variant_id)), None)
    if found is None:
        raise NotFound()
    return found


async def remove(session: AsyncSession, settings: Any, principal: Any, post_id: Any, variant_id: Any,
                 confirm: Any) -> Post:
    """Delete a published variant from its network. The post keeps its record (published, with the variant
    marked removed); asking twice changes nothing."""
    post = await get_post(session, post_id)
    variant = _variant(post, variant_id)
    if str(confirm or "") != "yes":
        raise DomainError(field="confirm", msgid="Tick the box to confirm that the post is to be deleted from "
                                                 "the network.")
    if variant.removed_at is not None:
        return post
    if not variant.remote_uri:
        raise Refused(field="confirm", msgid="Only a post Regie sent to the network can be deleted from it.")
    try:
        async with open_channel(session, settings, variant.account_id) as (connector, connection):
            if Capability.delete not in connector.capabilities:
                raise Refused(field="confirm", msgid="This account's connection cannot delete posts.")
            await connector.delete(connection, PostRef.from_uri(variant.remote_uri))
    except ChannelError as exc:
        raise Refused(field="confirm", msgid="The network did not delete it: {reason}", reason=exc.reason) from None
    except ValueError:
        raise Refused(field="confirm", msgid="Only a post Regie sent to the network can be deleted from it.") \
            from None
    now = utcnow()
    variant.removed_at = now
    session.add(PublishAttempt(post_id=post.id, variant_id=variant.id, attempt=variant.attempts, at=now,
                               outcome="removed", reason="", remote_uri=variant.remote_uri))
    post.revision += 1
    await record_audit(session, principal, "talking.post_removed", subject=post, summary=post.title,
                       data={"uri": variant.remote_uri, "account": variant.handle})
    return post


async def record_by_hand(session: AsyncSession, principal: Any, post_id: Any, variant_id: Any, url: Any,
                         published_at: Any = None) -> Post:
    """A variant that waited to be posted by hand went out: where, and when (default now)."""
    post = await get_post(session, post_id)
    variant = _variant(post, variant_id)
    if variant.publish_state != "by_hand" or variant.published_at is not None:
        raise Refused(field="url", msgid="Only a variant that waits to be posted by hand can be recorded here.")
    errors = FieldErrors()
    address = errors.clean(check_web_url, url, "url")
    when = errors.clean(parse_moment, published_at, "published_at") or utcnow()
    if when > utcnow():
        errors.add("published_at", msgid="Choose a moment that has passed.")
    errors.raise_if_any()
    variant.external_url, variant.published_at, variant.publish_state = str(address), when, "published"
    session.add(PublishAttempt(post_id=post.id, variant_id=variant.id, attempt=variant.attempts + 1, at=utcnow(),
                               outcome="published", reason="", remote_uri=""))
    if all(v.published_at is not None or v.publish_state == "failed" for v in post.variants) \
            and post.state == "scheduled":
        post.state, post.state_reason, post.published_at = "published", "", when
    elif post.state == "published" and (post.published_at is None or post.published_at > when):
        post.published_at = when
    post.revision += 1
    await record_audit(session, principal, "talking.post_posted_elsewhere", subject=post, summary=post.title,
                       data={"urls": [str(address)]})
    return post
