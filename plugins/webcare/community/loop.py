"""Co-creation's closed loop, answered in the community: when an idea linked to community questions is planned,
done or declined (event `idea.stage_changed`, its `question_ids`), each asker hears it where they asked, as an
official staff answer in the question's thread (in Dutch, the product's default language: a customer has no
language setting yet), by the person who changed the stage. Then webcare announces `question.loop_answered` per
answer, which co-creation records on the idea's loop panel: so the panel lists only what was really posted.

Once per question and change: the answer's id is derived from the change and the question, so a second delivery
of the event (a retried loop job announces it again) finds the answer and posts nothing, and two deliveries at
once meet the primary key. The text carries the stage's public reason, which passed the organisation's policy
check when the stage changed; the answer is published at once, like the loop's e-mails."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from core.plugins.api import N_, DomainEvent, HookContext, current_tenant, fire_events, gettext_for, utcnow
from plugins.webcare.models import Answer, CommunityProfile, Question

LANG = "nl"
"""The language the community's askers are told in (a customer has no language setting yet)."""
LOOP_MEANINGS = {"planned": N_("planned"), "done": N_("done"), "declined": N_("declined")}
"""The stage meanings the loop speaks on, and how the answer names them."""


def answer_id(change_id: str, question_id: UUID) -> UUID:
    """The loop's answer to a question about one stage change: the same id for every delivery."""
    return uuid5(NAMESPACE_URL, f"regie:cocreation-loop:{change_id}:{question_id}")


def answer_text(title: str, meaning: str, reason: str, href: str) -> str:
    _ = gettext_for(LANG)
    return "\n\n".join(part for part in (
        _("Thanks for your question. It led to the idea \"{title}\", which is now {stage}.", title=title,
          stage=_(LOOP_MEANINGS[meaning])),
        _("Why: {reason}", reason=reason) if reason else "",
        _("Read more and follow the idea: {url}", url=href) if href else "") if part)


def _question_ids(raw: object) -> list[UUID]:
    found: list[UUID] = []
    for value in raw if isinstance(raw, list) else []:
        try:
            found.append(UUID(str(value)))
        except ValueError:
            continue
    return found


async def on_stage_changes(ctx: HookContext, events: list[DomainEvent]) -> None:
    """Answer the askers of the linked community questions of every idea that reached a loop stage."""
    told: list[DomainEvent] = []
    for event in events:
        payload = event.payload
        meaning, change_id = str(payload.get("meaning") or ""), str(payload.get("change_id") or "")
        if meaning not in LOOP_MEANINGS or not change_id:
            continue
        href = str(payload.get("href") or "")
        base_url = str(getattr(ctx.settings, "base_url", "") or "").rstrip("/")
        text = answer_text(str(payload.get("title") or ""), meaning, str(payload.get("reason") or ""),
                           base_url + href if href.startswith("/") else href)  # a link the asker can open
        for question_id in _question_ids(payload.get("question_ids")):
            question = await ctx.session.get(Question, question_id)
            if question is None or question.status != "published":
                continue  # a removed or unpublished question takes no answers: nobody to tell there
            key = answer_id(change_id, question.id)
            if await ctx.session.get(Answer, key) is not None:
                continue  # told before: a second delivery of the same change
            reply = Answer(id=key, question_id=question.id, user_id=ctx.user_id, body=text, status="published")
            ctx.session.add(reply)
            question.answer_count += 1
            await ctx.session.flush()
            asker = await ctx.session.get(CommunityProfile, question.customer_id) if question.customer_id else None
            told.append(DomainEvent("question.loop_answered", {
                "idea_id": str(payload.get("idea_id") or ""), "change_id": change_id,
                "question_id": str(question.id), "title": question.title,
                "asker": asker.display_name if asker is not None else "",
                "customer_id": str(question.customer_id) if question.customer_id else "",
                "text": text, "url": f"/t/{ctx.tenant_slug}/p/webcare/community/questions/{question.id}#answers",
                "answered_at": (reply.created_at or utcnow()).isoformat()}))
    if told and ctx.pm is not None:
        tenant = await current_tenant(ctx.session)
        if tenant is not None:
            await fire_events(ctx.session, tenant, ctx.pm, told, exclude="webcare")
