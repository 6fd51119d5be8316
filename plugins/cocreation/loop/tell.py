"""The closed loop: when an idea changes stage, everyone connected to it hears about it where they came from.

`stage_changed` is called by `stages.change_stage` in the transaction of the change (the change then carries
`loop_progress_id`, the progress row of the telling, for a page that shows its bar). It announces
`idea.stage_changed` (now when the caller hands over the plugin host, else first thing in the job) and, for a
stage whose meaning is in `LOOP_MEANINGS` (planned, done, declined), queues the job `cocreation.loop_tell`,
which after commit:

- e-mails every voter and follower once: one `LoopMessage` (channel "email") per change and address, written in
  the transaction that queues the mail, so a second run of the job sends nothing twice;
- answers the author of every linked webcare case and mention that came from a network (`uri` and
  `account_id` on the link) with a reply in its thread, from the account that read it, after the core's policy
  check (`check_outward`): a finding or a rule that needs sign-off leaves the reply "waiting" for staff on the
  loop page; a reply is posted under a record key derived from the change and the recipient, so a retry after
  a crash finds the post instead of posting twice. After sending it announces `idea.loop_replied`, which
  webcare records in the case's history. One reply per post: a case made from a linked mention answers once;
- marks a linked item without a network address "skipped" with the reason, so staff can answer by hand.

Linked community questions are not answered here: `idea.stage_changed` carries their ids (`question_ids`, with
`change_id` as the key to answer once), webcare answers each asker in the question's thread and reports it with
`question.loop_answered`, which `loop.hooks.on_events` records as a sent "community" message.
"""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    N_,
    Capability,
    ChannelError,
    Customer,
    DomainEvent,
    JobContext,
    PostDraft,
    PostRef,
    check_outward,
    current_tenant,
    enqueue_job,
    fire_events,
    gettext_for,
    job_transaction,
    normal_handle,
    open_channel,
    owning_department,
    published_tone_rules,
    send_mail,
    start_progress,
    update_progress,
    utcnow,
)
from plugins.cocreation.approval import approval_detail
from plugins.cocreation.models import (
    LOOP_MEANINGS,
    MEANINGS,
    Follower,
    Idea,
    IdeaLink,
    LoopMessage,
    Stage,
    StageChange,
    Vote,
)

JOB = "cocreation.loop_tell"
LANG = "nl"
"""The language the loop writes to customers in (the product's default language)."""
NETWORK_CHANNEL = "bluesky"
"""The policy's channel name for a reply on the network (its length rule)."""
NETWORK_MAX = 300
"""A post on the network holds at most this many characters."""
MAIL_CHUNK = 200
SKIPPED = {
    "no_address": N_("This came from somewhere Regie cannot answer: answer the author by hand."),
}
"""Why a reply was not sent (msgids; the loop page shows them translated)."""
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


async def stage_changed(session: AsyncSession, idea: Idea, change: StageChange, *, pm: Any = None) -> None:
    """Announce the change and schedule the telling (after commit; nothing is sent for a rollback)."""
    if pm is not None:
        await announce_change(session, pm, idea, change)
    loops = change.to_meaning in LOOP_MEANINGS
    if not loops and pm is not None:
        return
    progress_id = ""
    if loops:
        progress = start_progress(session, JOB, title=f"#{idea.number} {idea.title}"[:200],
                                  started_by_id=change.user_id)
        await session.flush()
        progress_id = str(progress.id)
        change.loop_progress_id = progress_id  # type: ignore[attr-defined]  # for the caller's progress bar
    enqueue_job(session, JOB, change_id=str(change.id), progress_id=progress_id, announce=pm is None)


async def announce_change(session: AsyncSession, pm: Any, idea: Idea, change: StageChange) -> None:
    tenant = await current_tenant(session)
    if tenant is None:
        return
    links = (await session.execute(select(IdeaLink.kind, IdeaLink.ref_id).where(IdeaLink.idea_id == idea.id))).all()
    payload = {"idea_id": str(idea.id), "number": idea.number, "title": idea.title, "stage": change.to_key,
               "meaning": change.to_meaning, "reason": change.reason,
               "case_ids": [ref for kind, ref in links if kind == "case"],
               "mention_ids": [ref for kind, ref in links if kind == "mention"],
               "question_ids": [ref for kind, ref in links if kind == "question"], "change_id": str(change.id),
               "href": idea_href(tenant.slug, idea.number)}
    # who changed the stage: a listener that answers for the organisation (the community) answers as them
    await fire_events(session, tenant, pm, [DomainEvent("idea.stage_changed", payload)], exclude="cocreation",
                      user_id=change.user_id)


def idea_href(slug: str, number: int) -> str:
    return f"/t/{slug}/p/cocreation/board/ideas/{number}"


async def stage_label(session: AsyncSession, key: str, meaning: str, lang: str) -> str:
    stage = await session.scalar(select(Stage).where(Stage.key == key))
    if stage is not None:
        return stage.name_nl if lang == "nl" else stage.name_en
    return gettext_for(lang)(MEANINGS.get(meaning, meaning))


# -- the job -----------------------------------------------------------------------------------------------------

async def run(ctx: JobContext, change_id: str, progress_id: str = "", announce: bool = False) -> dict[str, int]:
    """Tell everyone connected to the idea about the change; idempotent (a rerun sends nothing twice)."""
    try:
        return await _tell(ctx, change_id, progress_id, announce)
    except Exception as exc:
        if progress_id:
            await update_progress(ctx.sessionmaker, progress_id, status="failed", error=str(exc))
        raise


async def _tell(ctx: JobContext, change_id: str, progress_id: str, announce: bool) -> dict[str, int]:
    async with job_transaction(ctx) as session:
        change = await session.get(StageChange, UUID(str(change_id)))
        idea = await session.get(Idea, change.idea_id) if change is not None else None
        if change is None or idea is None:
            return {"emails": 0, "replies": 0}
        if announce:
            await announce_change(session, ctx.pm, idea, change)  # a retried job announces it again
        if change.to_meaning not in LOOP_MEANINGS:
            return {"emails": 0, "replies": 0}
        addresses = await _addresses(session, idea.id)
        links = await _network_links(session, idea.id)
        text = await _mail_text(session, ctx, idea, change)
    if progress_id:
        await update_progress(ctx.sessionmaker, progress_id, total=len(addresses) + len(links), done=0,
                              status="running")
    mailed = done = 0
    for start in range(0, len(addresses), MAIL_CHUNK):
        chunk = addresses[start:start + MAIL_CHUNK]
        async with job_transaction(ctx) as session:
            mailed += await _mail(session, change, chunk, text)
        done += len(chunk)
        if progress_id:
            await update_progress(ctx.sessionmaker, progress_id, done=done)
    replies = 0
    for link_id in links:
        async with job_transaction(ctx) as session:
            change = await session.get(StageChange, UUID(str(change_id)))
            idea = await session.get(Idea, change.idea_id) if change is not None else None
            link = await session.get(IdeaLink, link_id)
            if change is not None and idea is not None and link is not None:
                replies += int(await tell_author(session, ctx.settings, ctx.pm, idea, change, link))
        done += 1
        if progress_id:
            await update_progress(ctx.sessionmaker, progress_id, done=done)
    if progress_id:
        await update_progress(ctx.sessionmaker, progress_id, status="done",
                              result={"emails": mailed, "replies": replies})
    return {"emails": mailed, "replies": replies}


async def _addresses(session: AsyncSession, idea_id: UUID) -> list[str]:
    """The e-mail addresses of the idea's voters and followers, each once (blocked customers left out)."""
    people = select(Vote.customer_id).where(Vote.idea_id == idea_id).union(
        select(Follower.customer_id).where(Follower.idea_id == idea_id)).subquery()
    rows = await session.scalars(select(Customer.email).where(Customer.id.in_(select(people.c[0])),
                                                              Customer.is_blocked.is_(False))
                                 .order_by(Customer.email))
    seen: dict[str, None] = {}
    for email in rows.all():
        if email:
            seen.setdefault(email.strip().lower(), None)
    return list(seen)


async def _network_links(session: AsyncSession, idea_id: UUID) -> list[UUID]:
    """The links whose authors the loop answers: cases first (their reply is recorded on the case), then
    mentions. Questions are answered in the community by webcare, on `idea.stage_changed`; its
    `question.loop_answered` comes back as a "community" message (see `loop.hooks.on_events`)."""
    rows = (await session.execute(select(IdeaLink.id, IdeaLink.kind).where(IdeaLink.idea_id == idea_id,
                                                                           IdeaLink.kind.in_(("case", "mention")))
                                  .order_by(IdeaLink.created_at, IdeaLink.id))).all()
    return [row_id for row_id, kind in rows if kind == "case"] + [row_id for row_id, kind in rows if kind == "mention"]


async def _mail_text(session: AsyncSession, ctx: JobContext, idea: Idea, change: StageChange) -> dict[str, str]:
    _ = gettext_for(LANG)
    stage = await stage_label(session, change.to_key, change.to_meaning, LANG)
    base_url = str(getattr(ctx.settings, "base_url", "") or "").rstrip("/")
    url = base_url + idea_href(ctx.tenant_slug, idea.number)
    subject = _("Idea #{number} is now {stage}: {title}", number=idea.number, stage=stage, title=idea.title)
    body = "\n\n".join(part for part in (
        _("The idea \"{title}\" that you voted for or follow is now {stage}.", title=idea.title, stage=stage),
        _("Why: {reason}", reason=change.reason) if change.reason else "",
        _("Read more and follow what happens next: {url}", url=url),
        _("You get this mail because you voted for or follow this idea. Stop following it on its page to hear "
          "no more about it.")) if part)
    return {"subject": subject[:200], "body": body}


async def _mail(session: AsyncSession, change: StageChange, addresses: list[str], text: dict[str, str]) -> int:
    """One mail per address not told about this change yet, its record written in the same transaction."""
    told = set((await session.scalars(select(LoopMessage.recipient).where(
        LoopMessage.stage_change_id == change.id, LoopMessage.channel == "email",
        LoopMessage.recipient.in_(addresses)))).all())
    now = utcnow()
    sent = 0
    for address in addresses:
        if address in told:
            continue
        session.add(LoopMessage(idea_id=change.idea_id, stage_change_id=change.id, channel="email",
                                recipient=address, text=text["body"], state="sent", sent_at=now, detail=""))
        send_mail(session, address, text["subject"], text["body"])
        sent += 1
    await session.flush()
    return sent


# -- replies to authors on the network -----------------------------------------------------------------------------

def reply_text(title: str, stage: str, reason: str, url: str, signoff: str = "") -> str:
    """The reply on the network: the idea, its stage, the reason (shortened to fit one post), the link and the
    organisation's required sign-off (last, where the policy looks for it)."""
    _ = gettext_for(LANG)
    head = _("Thanks for your idea! \"{title}\" is now {stage}.", title=title[:80], stage=stage)
    tail = " " + url + ("\n" + signoff if signoff else "")
    room = NETWORK_MAX - len(head) - len(tail) - 1
    why = " ".join(reason.split())
    if room < 10:
        why = ""
    elif len(why) > room:
        why = why[:room - 1].rstrip() + "…"
    return (head + (" " + why if why else "") + tail)[:NETWORK_MAX]


def record_key(change: StageChange, channel: str, recipient: str) -> str:
    """The record key of the reply: the same for every attempt of one change and recipient (so a retry finds
    the post), a time-ordered TID near the change's moment."""
    digest = int.from_bytes(hashlib.sha256(f"{change.id}:{channel}:{recipient}".encode()).digest()[:8], "big")
    micros = int(change.created_at.timestamp() * 1_000_000) + (digest >> 44)
    value = ((micros << 10) | (digest & 0x3FF)) & ((1 << 63) - 1)
    return "".join(TID_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


def recipient_of(link: IdeaLink) -> str:
    handle = normal_handle(link.author_handle)
    return (f"@{handle}" if handle else link.author_name or f"{link.kind}:{link.ref_id}")[:254]


async def tell_author(session: AsyncSession, settings: Any, pm: Any, idea: Idea, change: StageChange,
                      link: IdeaLink) -> bool:
    """Answer the author of a linked case or mention about the change (once per change and recipient); True
    when a reply went out now."""
    channel = "case" if link.kind == "case" else "network"
    recipient = recipient_of(link)
    message = await session.scalar(select(LoopMessage).where(LoopMessage.stage_change_id == change.id,
                                                             LoopMessage.channel == channel,
                                                             LoopMessage.recipient == recipient))
    if message is not None and message.state != "failed":
        return False
    if message is None and link.uri and await _answered_post(session, change.id, link.uri):
        return False  # the same post, linked as a case and as a mention: one reply
    if message is None:
        tenant = await current_tenant(session)
        base_url = str(getattr(settings, "base_url", "") or "").rstrip("/")
        stage = await stage_label(session, change.to_key, change.to_meaning, LANG)
        text = reply_text(idea.title, stage, change.reason,
                          base_url + idea_href(tenant.slug if tenant else "", idea.number),
                          await required_signoff(session))
        message = LoopMessage(idea_id=idea.id, stage_change_id=change.id, link_id=link.id, channel=channel,
                              recipient=recipient, text=text, state="waiting", detail="")
        session.add(message)
        await session.flush()
        if not (link.uri and link.account_id):
            message.state, message.detail = "skipped", "no_address"
            return False
        hold = await policy_hold(session, text, change.user_id)
        if hold:
            message.state, message.detail = "waiting", hold
            return False
    await send(session, settings, pm, idea, change, link, message)
    return message.state == "sent"


async def required_signoff(session: AsyncSession) -> str:
    """The published policy's sign-off when the loop can write it itself; one that needs a person's details
    (their initials) is left for the person who approves the reply."""
    signoff = " ".join(str((await published_tone_rules(session)).get("required_signoff") or "").split())
    return "" if "{" in signoff else signoff


async def _answered_post(session: AsyncSession, change_id: UUID, uri: str) -> bool:
    found = await session.scalar(select(LoopMessage.id).join(IdeaLink, IdeaLink.id == LoopMessage.link_id)
                                 .where(LoopMessage.stage_change_id == change_id, IdeaLink.uri == uri).limit(1))
    return found is not None


async def policy_hold(session: AsyncSession, text: str, author_id: UUID | None) -> str:
    """Why the reply must wait for a person ("" when it may go): the policy's findings, or the org model's
    rule that it needs sign-off."""
    check = await check_outward(session, text, channel=NETWORK_CHANNEL,
                                department_id=await owning_department(session, "cocreation"), author_id=author_id)
    if check.problems:
        return "\n".join(problem.render(LANG) for _field, problem in check.problems)
    if check.needs_approval:  # who may approve is kept with it (see `approval_of`)
        return approval_detail(check.reason, check.approver_department_id)
    return ""


async def send(session: AsyncSession, settings: Any, pm: Any, idea: Idea, change: StageChange, link: IdeaLink,
               message: LoopMessage) -> None:
    """Post the reply in the thread of the linked post from the account that read it; the result is written on
    the message (sent with its address, or failed with the network's reason) and announced when sent."""
    key = record_key(change, message.channel, message.recipient)
    try:
        parent = PostRef.from_uri(link.uri)
        account_id = UUID(link.account_id)
        async with open_channel(session, settings, account_id) as (connector, connection):
            # a network that cannot look a post up by its key is simply posted to (find would raise Unsupported)
            found = await connector.find(connection, key) if Capability.find in connector.capabilities else None
            ref = found or await connector.publish(
                connection, PostDraft(text=message.text, key=key, reply_to=parent, lang=LANG))
    except (ChannelError, ValueError) as exc:
        message.state = "failed"
        message.detail = (getattr(exc, "reason", "") or str(exc))[:2000]
        await session.flush()
        return
    message.state, message.detail, message.sent_at = "sent", "", utcnow()
    message.post_uri, message.post_url = (ref.uri or "")[:500], (ref.url or "")[:2000]
    await session.flush()
    tenant = await current_tenant(session)
    if pm is not None and tenant is not None:
        await fire_events(session, tenant, pm, [DomainEvent("idea.loop_replied", {
            "idea_id": str(idea.id), "kind": link.kind, "ref_id": link.ref_id, "recipient": message.recipient,
            "text": message.text, "post_uri": message.post_uri, "post_url": message.post_url,
            "sent_at": message.sent_at.isoformat()})],
            exclude="cocreation")
