"""The closed loop in the community: an idea made from a community question is planned, and the asker hears it in
the question's thread, as a staff answer by who changed the stage (once, however often the loop's job runs and
the event is delivered); the idea's loop panel lists it, with a link to the answer; erasing the asker blanks the
name on the loop."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.plugins.api import Customer, ErasureSubject, run_named_job
from core.tenancy.scope import tenant_scope
from plugins.cocreation import stages
from plugins.cocreation.measure.privacy import erase_subject
from plugins.cocreation.models import Idea, IdeaLink, LoopMessage
from plugins.webcare.models import Answer, CommunityProfile, Question
from tests.plugins.cocreation.conftest import rows
from tests.plugins.cocreation.loop.test_links_and_loop import base, everything_active
from tests.support import TenantWorld, World, login_as, post_form

REASON = "Veel mensen vroegen erom; het komt in de volgende versie."


async def a_question(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> Question:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            customer = Customer(email="lotte@klant.test", display_name="Lotte")
            session.add(customer)
            await session.flush()
            session.add(CommunityProfile(id=customer.id))
            question = Question(customer_id=customer.id, title="Kan de app een donkere modus krijgen?",
                                body="Zou fijn zijn voor 's avonds.", status="published",
                                published_at=datetime.now(UTC))
            session.add(question)
            await session.flush()
            return question


async def plan(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, idea: Idea) -> str:
    """Planned without the plugin host: the loop's job announces the change (as after a retry)."""
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            stored = await session.get(Idea, idea.id)
            change = await stages.change_stage(session, stored, "planned", REASON, user_id=tw.users["regie"].id,
                                               lang="nl")
            return str(change.id)


async def idea_from_a_question(client: Any, sessionmaker: async_sessionmaker[AsyncSession],
                               world: World) -> tuple[TenantWorld, Any, Idea]:
    """Everything active in acme, a customer's community question, and staff made an idea of it."""
    await everything_active(sessionmaker, world)
    tw = world.a
    question = await a_question(sessionmaker, tw)
    await login_as(client, tw, "regie")
    response = await post_form(client, f"{base(tw)}/loop/ideas", {"kind": "question", "item_id": str(question.id),
                                                                  "title": "Donkere modus in de app"},
                               follow_redirects=False)
    assert response.status_code == 303, response.text[-2000:]
    [idea] = await rows(sessionmaker, tw, Idea)
    return tw, question, idea


async def test_the_asker_of_a_linked_question_is_answered_in_the_thread_once(
        app: Any, client: Any, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    tw, question, idea = await idea_from_a_question(client, sessionmaker, world)
    [link] = await rows(sessionmaker, tw, IdeaLink)
    change_id = await plan(sessionmaker, tw, idea)

    for _ in range(2):  # a retried job announces the change again: the thread still gets one answer
        result = await run_named_job(app, "cocreation.loop_tell", tw.id, change_id=change_id, announce=True)
        assert result == {"emails": 0, "replies": 0}

    [answer] = await rows(sessionmaker, tw, Answer, Answer.question_id == question.id)
    assert (answer.status, answer.user_id, answer.customer_id) == ("published", tw.users["regie"].id, None)
    assert "\"Donkere modus in de app\", dat nu gepland is" in answer.body and REASON in answer.body
    site = app.state.settings.base_url.rstrip("/")  # a link the asker can open from the thread
    assert f"{site}/t/{tw.slug}/p/cocreation/board/ideas/{idea.number}" in answer.body
    [stored] = await rows(sessionmaker, tw, Question, Question.id == question.id)
    assert stored.answer_count == 1

    [message] = await rows(sessionmaker, tw, LoopMessage)
    thread = f"/t/{tw.slug}/p/webcare/community/questions/{question.id}#answers"
    assert (message.channel, message.state, message.recipient, message.link_id, message.post_url) == \
        ("community", "sent", "Lotte", link.id, thread)
    assert message.text == answer.body and str(message.stage_change_id) == change_id

    page = await client.get(f"/t/{tw.slug}/p/webcare/community/questions/{question.id}")
    assert page.status_code == 200 and "Bedankt voor je vraag." in page.text
    panel = (await client.get(f"{base(tw)}/loop/ideas/{idea.number}/panel")).text
    assert "Lotte" in panel and "antwoord bij de vraag in de community" in panel and "verzonden" in panel
    assert f'href="{thread}" target="_blank" rel="noopener noreferrer">Bekijk het antwoord' in panel
    assert f"/loop/messages/{message.id}/" not in panel  # nothing to approve or answer by hand
    assert (await post_form(client, f"{base(tw)}/loop/messages/{message.id}/approve", {})).status_code == 409

    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            counts = await erase_subject(session, ErasureSubject(kind="author", platform="email",
                                                                 handle="lotte@klant.test"))
    assert counts["loop_messages_pseudonymised"] == 1
    [message] = await rows(sessionmaker, tw, LoopMessage)
    assert message.recipient.startswith("erased-")


async def test_a_stage_the_loop_does_not_speak_on_answers_nobody(
        app: Any, client: Any, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    tw, question, idea = await idea_from_a_question(client, sessionmaker, world)
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            stored = await session.get(Idea, idea.id)
            change = await stages.change_stage(session, stored, "under-review", REASON, user_id=tw.users["regie"].id,
                                               lang="nl")
            change_id = str(change.id)
    await run_named_job(app, "cocreation.loop_tell", tw.id, change_id=change_id, announce=True)
    assert await rows(sessionmaker, tw, Answer) == []
    assert await rows(sessionmaker, tw, LoopMessage) == []
