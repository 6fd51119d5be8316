"""Posts: save a draft with a variant per account, move it on the calendar, submit it to the policy check,
cancel it, send it back to draft, record where it was posted by hand.

Every rule of a form is checked before anything is stored, each reason on its own field (`variants.<account
id>.text`, `variants.<account id>.images.<n>.alt`, ...): the title, the objective (one of the starting points'),
where the post belongs (a campaign, whose period its date must lie in, or a stream), the text's length as it goes
out (addresses shortened) against the policy's maximum for the account's platform, images (an http(s) address;
alternative text when the policy asks for it). Saving replaces the addresses in each text by the tenant's short
links with UTM parameters (source: the platform, medium: social, campaign: the campaign's or stream's slug).

States (`models.STATES`): a draft is submitted to the one policy check every outward message passes
(`check_outward`); when the org model wants an approval it waits `in_review` (the approval work moves it on),
otherwise it is `scheduled`. Editing the content of a checked post sends it back to draft; a published or
cancelled post neither moves nor changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.plugins.api import (
    DomainError,
    FieldErrors,
    NotFound,
    OutwardAccount,
    PluginHost,
    Refused,
    check_web_url,
    clean_text,
    clean_uuid,
    find_item,
    record_audit,
    shorten_links,
    shortened_length,
    utcnow,
)
from plugins.talking.approvals.chain import requirement
from plugins.talking.approvals.config import crisis_is_on
from plugins.talking.approvals.config import read_settings as approval_settings
from plugins.talking.approvals.flow import enter_review, invalidate
from plugins.talking.content.check import policy_check
from plugins.talking.content.choices import Choices
from plugins.talking.models import CHECKED_STATES, MAX_IMAGES, Campaign, Post, PostVariant, Stream
from plugins.talking.moments import form_value, local_day, parse_moment
from plugins.talking.publishing.service import plan as plan_publishing
from plugins.talking.publishing.service import reset_unsent

MAX_TEXT = 10000
MAX_ALT = 1000
SOURCE_KINDS = ("mention", "case")
"""Items of other plugins a post can answer publicly (`regie_item_actions`)."""
ORIGIN = "talking"
"""The short links' origin: talking's links placed and clicks."""


@dataclass
class VariantInput:
    account: OutwardAccount
    text: str
    images: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Cleaned:
    values: dict[str, Any]
    variants: list[VariantInput]
    campaign: Campaign | None = None
    stream: Stream | None = None


# -- reading -----------------------------------------------------------------------------------------------------

async def get_post(session: AsyncSession, post_id: Any) -> Post:
    """The tenant's post with its variants, else NotFound."""
    post = await session.scalar(select(Post).where(Post.id == post_id).options(selectinload(Post.variants)))
    if post is None:
        raise NotFound()
    return post


# -- cleaning a form or a JSON body --------------------------------------------------------------------------------

def _variant_entries(raw: Any, errors: FieldErrors) -> list[tuple[str, dict[str, Any]]]:
    """(account id, {"text", "images"}) from a form's mapping or an API's list of objects."""
    if raw in (None, ""):
        return []
    if isinstance(raw, dict):
        return [(str(k), v if isinstance(v, dict) else {}) for k, v in raw.items()]
    if isinstance(raw, list) and all(isinstance(v, dict) for v in raw):
        return [(str(v.get("account_id") or ""), v) for v in raw]
    errors.add("variants", msgid="Send the variants as a list of objects.")
    return []


def _images(raw: Any, prefix: str, errors: FieldErrors, alt_required: bool) -> list[dict[str, str]]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        errors.add(f"{prefix}.images", msgid="Send the images as a list of objects.")
        return []
    given = [i if isinstance(i, dict) else {} for i in raw]
    given = [i for i in given if str(i.get("url") or "").strip() or str(i.get("alt") or "").strip()]
    if len(given) > MAX_IMAGES:
        errors.add(f"{prefix}.images", msgid="At most {max} images per post.", max=MAX_IMAGES)
        return []
    images = []
    for n, image in enumerate(given, start=1):
        url = errors.clean(check_web_url, image.get("url"), f"{prefix}.images.{n}.url")
        alt = errors.clean(clean_text, image.get("alt"), f"{prefix}.images.{n}.alt", required=False,
                           max_length=MAX_ALT)
        if alt == "" and alt_required:
            errors.add(f"{prefix}.images.{n}.alt", msgid="The policy asks for alternative text on every image.")
        images.append({"url": url or "", "alt": alt or ""})
    return images


def _filled(images: Any) -> bool:
    """Any image slot with something in it (a form sends its empty slots too)."""
    if not isinstance(images, list):
        return bool(images)
    return any(not isinstance(i, dict) or str(i.get("url") or "").strip() or str(i.get("alt") or "").strip()
               for i in images)


def _variants(raw: Any, ch: Choices, base_url: str, errors: FieldErrors) -> list[VariantInput]:
    found: list[VariantInput] = []
    for key, entry in _variant_entries(raw, errors):
        text_raw, images_raw = entry.get("text"), entry.get("images")
        if not str(text_raw or "").strip() and not _filled(images_raw):
            continue  # a channel left empty is a channel not chosen
        account = ch.account(key)
        if account is None:
            errors.add("variants", msgid="Choose accounts of the registry that may carry posts.")
            continue
        prefix = f"variants.{account.id}"
        text = errors.clean(clean_text, text_raw, f"{prefix}.text", max_length=MAX_TEXT)
        images = _images(images_raw, prefix, errors, ch.alt_required)
        if text is None:
            continue
        length, limit = shortened_length(text, base_url), ch.limit(account.platform)
        if limit is not None and length > limit:
            errors.add(f"{prefix}.text", msgid="As it goes out (links shortened) the text has {length} characters; "
                                               "the maximum for {channel} is {max}.",
                       length=length, channel=account.platform, max=limit)
        found.append(VariantInput(account, text, images))
    return found


async def _home(session: AsyncSession, data: dict[str, Any], errors: FieldErrors
                ) -> tuple[Campaign | None, Stream | None]:
    """Where the post belongs: `home` ("campaign:<id>", "stream:<id>" or empty) or `campaign_id` / `stream_id`."""
    home = str(data.get("home") or "").strip()
    kind, _sep, raw = home.partition(":")
    if not home:
        kind, raw = ("campaign", data.get("campaign_id")) if data.get("campaign_id") else ("stream",
                                                                                         data.get("stream_id"))
        if data.get("campaign_id") and data.get("stream_id"):
            errors.add("home", msgid="A post belongs to a campaign or to a stream, not both.")
            return None, None
    if not raw:
        return None, None
    try:
        row_id = UUID(str(raw))
    except ValueError:
        row_id = None
    row = await session.get(Campaign if kind == "campaign" else Stream, row_id) \
        if row_id is not None and kind in ("campaign", "stream") else None
    if row is None:
        errors.add("home", msgid="Choose a valid option.")
        return None, None
    return (row, None) if isinstance(row, Campaign) else (None, row)


async def clean(session: AsyncSession, data: dict[str, Any], ch: Choices, base_url: str,
                current: Post | None = None) -> Cleaned:
    """Every field of a post checked; DomainError with each field's reason, nothing stored."""
    if not isinstance(data, dict):
        raise DomainError(field="__all__", msgid="Send a JSON object.")
    errors = FieldErrors()
    values: dict[str, Any] = {
        "title": errors.clean(clean_text, data.get("title"), "title", max_length=200),
        "theme": errors.clean(clean_text, data.get("theme"), "theme", required=False, max_length=120),
    }
    objective = str(data.get("objective") or "").strip()
    if objective and objective not in ch.objectives and not (current and objective == current.objective):
        errors.add("objective", msgid="Choose one of the objectives of the starting points.")
    values["objective"] = objective
    department_id = errors.clean(clean_uuid, data.get("department_id"), "department_id")
    if department_id is not None and department_id not in ch.department_names:
        errors.add("department_id", msgid="Choose a valid option.")
    values["department_id"] = department_id
    campaign, stream = await _home(session, data, errors)
    values["campaign_id"], values["stream_id"] = (campaign.id if campaign else None), (stream.id if stream else None)
    publish_at = errors.clean(parse_moment, data.get("publish_at"), "publish_at")
    if publish_at is not None:
        moved = current is None or current.publish_at is None or form_value(current.publish_at) != \
            form_value(publish_at)
        if moved:
            _check_moment(publish_at, campaign, errors)
    if publish_at is None and current is not None and current.state in CHECKED_STATES:
        errors.add("publish_at", msgid="A post that waits or is scheduled needs a moment.")
    values["publish_at"] = publish_at
    variants = _variants(data.get("variants"), ch, base_url, errors)
    errors.raise_if_any()
    return Cleaned(values, variants, campaign, stream)


def _check_moment(moment: datetime, campaign: Campaign | None, errors: FieldErrors) -> None:
    if moment < utcnow().replace(second=0, microsecond=0):
        errors.add("publish_at", msgid="Choose a moment in the future.")
    elif campaign is not None and not campaign.starts_on <= local_day(moment) <= campaign.ends_on:
        errors.add("publish_at", msgid="The campaign runs from {start} to {end}: plan the post within it.",
                   start=campaign.starts_on, end=campaign.ends_on)


# -- saving --------------------------------------------------------------------------------------------------------

def utm_campaign(campaign: Campaign | None, stream: Stream | None) -> str:
    return campaign.slug if campaign is not None else stream.slug if stream is not None else "content"


async def _place(session: AsyncSession, post: Post, cleaned: Cleaned, base_url: str, author_id: UUID | None) -> bool:
    """The post's variants as `cleaned` has them, texts with short links; True when any content changed."""
    existing = {v.account_id: v for v in post.variants}
    changed = False
    campaign_slug = utm_campaign(cleaned.campaign, cleaned.stream)
    for given in cleaned.variants:
        variant = existing.pop(given.account.id, None)
        if variant is None:
            variant = PostVariant(id=uuid4(), account_id=given.account.id, platform=given.account.platform,
                                  handle=given.account.handle, text="", images=[], links=[])
            post.variants.append(variant)
        shortened = await shorten_links(
            session, given.text, base_url=base_url, origin=ORIGIN, ref_id=variant.id, created_by_id=author_id,
            utm={"utm_source": given.account.platform, "utm_medium": "social", "utm_campaign": campaign_slug})
        links = [link.as_json() for link in shortened.links]
        if (variant.text, variant.images, variant.links) != (shortened.text, given.images, links):
            _refuse_out(variant)
            changed = True
            variant.text, variant.images, variant.links = shortened.text, given.images, links
    for variant in existing.values():
        _refuse_out(variant, removing=True)
        post.variants.remove(variant)
        changed = True
    return changed


def _refuse_out(variant: PostVariant, removing: bool = False) -> None:
    """A variant that went out keeps its text; one that may have (its record key is stored: a try was made) keeps
    its place, since removing it would forget the key and a variant added back would go out under a new one. A
    changed text keeps the key, so a try that did reach the network is found instead of posting again."""
    if variant.published_at is not None:
        raise DomainError(field=f"variants.{variant.account_id}.text",
                          msgid="This account's post went out already: it can no longer change or be removed.")
    if removing and variant.remote_key:
        raise DomainError(field=f"variants.{variant.account_id}.text",
                          msgid="Regie tried to send this account's post already: it can change, but not be "
                                "removed.")


async def _source(session: AsyncSession, pm: PluginHost | None, data: dict[str, Any]) -> dict[str, str]:
    """The item a public response answers, as its plugin describes it (never as the form claims it)."""
    kind, item_id = str(data.get("source_kind") or ""), str(data.get("source_id") or "")
    if not kind and not item_id:
        return {}
    item = await find_item(session, pm, kind, item_id) if kind in SOURCE_KINDS else None
    if item is None:
        raise DomainError(field="source_id", msgid="This mention or case no longer exists.")
    return source_fields(kind, item_id, item)


def source_fields(kind: str, item_id: str, item: Any) -> dict[str, str]:
    uri = str(item.get("uri") or "")
    return {"source_kind": kind, "source_id": item_id[:64], "source_url": str(item.get("url") or "")[:2000],
            "source_author": str(item.get("author_handle") or "")[:200],
            "reply_to_uri": uri[:500] if uri.startswith("at://") else ""}


async def create_post(session: AsyncSession, principal: Any, data: dict[str, Any], ch: Choices, *, base_url: str,
                      pm: PluginHost | None = None) -> Post:
    cleaned = await clean(session, data, ch, base_url)
    source = await _source(session, pm, data)
    author_id = getattr(principal, "user_id", None)
    post = Post(id=uuid4(), author_id=author_id, state="draft", **cleaned.values, **source)
    post.variants = []
    session.add(post)
    await _place(session, post, cleaned, base_url, author_id)
    await session.flush()
    await record_audit(session, principal, "talking.post_created", subject=post, summary=post.title,
                       data={"variants": len(post.variants), "source": post.source_kind})
    return post


def _check_revision(post: Post, data: dict[str, Any]) -> None:
    given = str(data.get("revision") or "").strip()
    if given and given != str(post.revision):
        raise Refused(field="revision", msgid="Someone else changed this post meanwhile: reload it and try again.")


async def update_post(session: AsyncSession, principal: Any, post_id: Any, data: dict[str, Any], ch: Choices, *,
                      base_url: str) -> Post:
    """Save the form again. A published or cancelled post is refused; a checked one whose content changes goes
    back to draft (it must pass the check, and its approval, again)."""
    post = await get_post(session, post_id)
    _refuse_final(post, "publish_at")
    _check_revision(post, data if isinstance(data, dict) else {})
    cleaned = await clean(session, data, ch, base_url, current=post)
    content_before = (post.title, post.theme, post.objective, post.campaign_id, post.stream_id, post.department_id)
    for key, value in cleaned.values.items():
        setattr(post, key, value)
    changed = await _place(session, post, cleaned, base_url, getattr(principal, "user_id", None))
    changed = changed or content_before != (post.title, post.theme, post.objective, post.campaign_id,
                                            post.stream_id, post.department_id)
    withdrawn = changed and post.state in CHECKED_STATES
    if withdrawn:
        await invalidate(session, principal, post, "edited")
        post.state, post.approval_reason, post.approver_department_id = "draft", "", None
        post.state_reason = "edited"  # models.STATE_REASONS
    post.revision += 1
    await session.flush()
    await record_audit(session, principal, "talking.post_changed", subject=post, summary=post.title,
                       data={"back_to_draft": withdrawn})
    return post


def _refuse_final(post: Post, field: str) -> None:
    if post.state == "published":
        raise Refused(field=field, msgid="This post was published on {when}: it no longer moves or changes.",
                      when=post.published_at or post.publish_at)
    if post.state == "cancelled":
        raise Refused(field=field, msgid="This post was cancelled: it no longer moves or changes.")


async def reschedule(session: AsyncSession, principal: Any, post_id: Any, moment: datetime,
                     revision: str = "") -> Post:
    """Move a post to another moment (drag on the calendar, or the date field on its page)."""
    post = await get_post(session, post_id)
    _refuse_final(post, "publish_at")
    _check_revision(post, {"revision": revision})
    campaign = await session.get(Campaign, post.campaign_id) if post.campaign_id else None
    errors = FieldErrors()
    _check_moment(moment, campaign, errors)
    errors.raise_if_any()
    before = post.publish_at
    post.publish_at = moment
    post.revision += 1
    plan_publishing(session, post)  # the message planned for the old moment finds nothing to do
    await record_audit(session, principal, "talking.post_rescheduled", subject=post, summary=post.title,
                       data={"from": before.isoformat() if before else None, "to": moment.isoformat()})
    return post


async def submit(session: AsyncSession, principal: Any, post_id: Any, settings: Any = None) -> Post:
    """A draft to the policy check (`content.check`): problems are refused per variant; an approval the org
    model, crisis mode or one of the tenant's rules asks for makes it wait `in_review` for its approval chain
    (`approvals`; `settings` to notify the approvers), otherwise it is `scheduled`."""
    post = await get_post(session, post_id)
    if post.state != "draft":
        raise Refused(msgid="Only a draft can be submitted; this post is {state}.", state=post.state)
    config = await approval_settings(session)
    check = await policy_check(session, principal, post, crisis=crisis_is_on(config))
    needed = await requirement(session, post, check, config, post.author_id or getattr(principal, "user_id", None))
    if needed.needs:
        await enter_review(session, settings, post, needed)
    else:
        post.state, post.approval_reason, post.approver_department_id = "scheduled", "", None
    post.state_reason = ""
    post.revision += 1
    reset_unsent(post)
    plan_publishing(session, post)
    await record_audit(session, principal, "talking.post_submitted", subject=post, summary=post.title,
                       data={"state": post.state, "approval_reason": post.approval_reason})
    return post


WITHDRAWABLE = ("in_review", "approved", "scheduled", "paused", "failed")


async def withdraw(session: AsyncSession, principal: Any, post_id: Any) -> Post:
    """Back to draft (to rework it); whatever check or approval it had is gone."""
    post = await get_post(session, post_id)
    if post.state not in WITHDRAWABLE:
        raise Refused(msgid="Only a post that waits or is scheduled can go back to draft; this post is {state}.",
                      state=post.state)
    await invalidate(session, principal, post, "withdrawn")
    post.state, post.approval_reason, post.approver_department_id, post.state_reason = "draft", "", None, ""
    post.revision += 1
    await record_audit(session, principal, "talking.post_withdrawn", subject=post, summary=post.title)
    return post


async def cancel(session: AsyncSession, principal: Any, post_id: Any, reason: str = "") -> Post:
    post = await get_post(session, post_id)
    _refuse_final(post, "__all__")
    reason = clean_text(reason, "reason", required=False, max_length=500)
    await invalidate(session, principal, post, "cancelled")
    post.state, post.state_reason = "cancelled", reason
    post.revision += 1
    await record_audit(session, principal, "talking.post_cancelled", subject=post, summary=post.title, reason=reason)
    return post


POSTABLE = ("approved", "scheduled", "failed")
"""States from which a post may be recorded as posted by hand (it passed the check, and any approval)."""


async def record_posted(session: AsyncSession, principal: Any, post_id: Any, urls: dict[str, Any],
                        published_at: Any = None) -> Post:
    """Record that the post went out by hand ("posted elsewhere"): where each variant can be seen (at least
    one) and when (default now); the post is then published."""
    post = await get_post(session, post_id)
    if post.state not in POSTABLE:
        raise Refused(msgid="Only an approved or scheduled post can be recorded as posted; this post is {state}.",
                      state=post.state)
    errors = FieldErrors()
    when = errors.clean(parse_moment, published_at, "published_at") or utcnow()
    if when > utcnow():
        errors.add("published_at", msgid="Choose a moment that has passed.")
    given = {}
    for variant in post.variants:
        raw = urls.get(str(variant.id)) or urls.get(str(variant.account_id))
        if str(raw or "").strip():
            given[variant.id] = errors.clean(check_web_url, raw, f"urls.{variant.id}")
    if not given and not errors:
        errors.add("urls", msgid="Give the address of at least one variant as it was posted.")
    errors.raise_if_any()
    for variant in post.variants:
        if given.get(variant.id):
            variant.external_url, variant.published_at = str(given[variant.id]), when
            variant.publish_state = "published"
    post.state, post.published_at, post.state_reason = "published", when, ""
    post.publish_at = post.publish_at or when
    post.revision += 1
    await record_audit(session, principal, "talking.post_posted_elsewhere", subject=post, summary=post.title,
                       data={"urls": [str(u) for u in given.values()]})
    return post
