"""Links and the closed loop: "Create an idea" and "Link to an idea" on a mention and a case (the item checked
through `find_item`, a forged id refused), an idea as an item, and a stage change to planned that e-mails its
voters and followers once (a second run of the job sends nothing), with a linked item that has no network
address left for staff to answer by hand."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.plugins.api import Customer, find_item, run_named_job
from core.tenancy.scope import tenant_scope
from plugins.cocreation import ideas, stages
from plugins.cocreation.loop.tell import reply_text
from plugins.cocreation.models import Follower, Idea, IdeaLink, LoopMessage, Vote
from plugins.cocreation.settings import board_settings
from tests.plugins.cocreation.conftest import activate, rows
from tests.plugins.monitoring.conftest import activate_monitoring
from tests.plugins.monitoring.test_ingest import add_source
from tests.plugins.monitoring.test_mentions import add_mentions
from tests.plugins.webcare.conftest import activate_webcare
from tests.plugins.webcare.test_replies import make_case
from tests.support import TenantWorld, World, delivered_mails, login_as, post_form


def base(tw: TenantWorld) -> str:
    return f"/t/{tw.slug}/p/cocreation"


async def everything_active(sessionmaker: async_sessionmaker[AsyncSession], world: World) -> None:
    for tw in (world.a, world.b):
        await activate_monitoring(sessionmaker, tw)
        await activate_webcare(sessionmaker, tw)
        await activate(sessionmaker, tw)


async def a_mention(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, **fields: Any) -> UUID:
    source = await add_source(sessionmaker, tw)
    values = {"title": "Graag een donkere modus in de app", "body": "Mijn ogen doen pijn van al dat wit 's avonds.",
              "author_handle": "@lotte", "author_name": "Lotte", "url": "https://social.example/lotte/1", **fields}
    [mention_id] = await add_mentions(sessionmaker, tw, source, [values])
    return mention_id


async def staff_idea(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, title: str) -> Idea:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            await board_settings(session)
            return await ideas.create_idea(session, {"title": title, "description": ""}, lang="nl",
                                           user_id=tw.users["regie"].id, source="staff")


async def test_the_actions_are_offered_on_a_mention_a_case_and_in_the_escalation_panel(
        client, world: World, sessionmaker) -> None:
    await everything_active(sessionmaker, world)
    mention_id = await a_mention(sessionmaker, world.a)
    case_id = await make_case(sessionmaker, world.a)
    await login_as(client, world.a, "regie")

    page = await client.get(f"/t/{world.a.slug}/p/monitoring/mentions/{mention_id}")
    assert page.status_code == 200
    assert "Maak er een idee van" in page.text and "Koppel aan een idee" in page.text
    assert f'action="{base(world.a)}/loop/from-item"' in page.text
    assert f'name="item_id" value="{mention_id}"' in page.text

    page = await client.get(f"/t/{world.a.slug}/p/webcare/cases/{case_id}")
    assert "Maak er een idee van" in page.text and f'name="item_id" value="{case_id}"' in page.text
    panel = await client.get(f"/t/{world.a.slug}/p/webcare/cases/{case_id}/escalation")
    assert "Een productidee?" in panel.text and f'{base(world.a)}/loop/pick' in panel.text


async def test_an_idea_is_created_from_a_mention_checked_through_find_item(
        app, client, world: World, sessionmaker) -> None:
    await everything_active(sessionmaker, world)
    mention_id = await a_mention(sessionmaker, world.a)
    foreign = await a_mention(sessionmaker, world.b)
    await login_as(client, world.a, "regie")

    form = await post_form(client, f"{base(world.a)}/loop/from-item", {"kind": "mention", "item_id": str(mention_id)})
    assert form.status_code == 200, form.text[-2000:]
    assert 'value="Graag een donkere modus in de app"' in form.text  # prefilled from the item
    assert "Mijn ogen doen pijn" in form.text

    response = await post_form(client, f"{base(world.a)}/loop/ideas",
                               {"kind": "mention", "item_id": str(mention_id), "title": "Donkere modus",
                                "description": "Gevraagd op sociale media.",
                                # posted fields never name the link: only what find_item answers counts
                                "author_handle": "@nep", "uri": "at://nep/app.bsky.feed.post/3kaaaaaaaaaaa"},
                               follow_redirects=False)
    assert response.status_code == 303, response.text[-2000:]
    [idea] = await rows(sessionmaker, world.a, Idea)
    assert response.headers["location"] == f"{base(world.a)}/ideas/{idea.number}"
    assert (idea.title, idea.source, idea.status, idea.author_user_id) == \
        ("Donkere modus", "mention", "published", world.a.users["regie"].id)
    [link] = await rows(sessionmaker, world.a, IdeaLink)
    assert (link.kind, link.ref_id, link.author_handle, link.author_name, link.url, link.uri, link.account_id) == \
        ("mention", str(mention_id), "@lotte", "Lotte", "https://social.example/lotte/1", "", "")
    assert link.title == "Graag een donkere modus in de app"

    # a made-up id and another tenant's mention are no items here: refused, nothing stored
    for forged in (str(uuid4()), str(foreign), "not-an-id"):
        response = await post_form(client, f"{base(world.a)}/loop/ideas",
                                   {"kind": "mention", "item_id": forged, "title": "Vervalst idee"})
        assert response.status_code == 422 and "bestaat niet meer" in response.text
    response = await post_form(client, f"{base(world.a)}/loop/ideas",
                               {"kind": "survey", "item_id": str(mention_id), "title": "Vervalst idee"})
    assert response.status_code == 422
    response = await post_form(client, f"{base(world.a)}/loop/ideas",
                               {"kind": "mention", "item_id": str(mention_id), "title": "x"})
    assert response.status_code == 422 and 'value="x"' in response.text  # the form again, with its values
    assert len(await rows(sessionmaker, world.a, Idea)) == 1
    assert len(await rows(sessionmaker, world.a, IdeaLink)) == 1

    # the idea is an item other plugins find, in its own tenant only
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            item = await find_item(session, app.state.pm, "idea", idea.id)
            assert item is not None and (item["number"], item["title"], item["source"]) == \
                (idea.number, "Donkere modus", "mention")
            assert item["href"] == f"/t/{world.a.slug}/p/cocreation/board/ideas/{idea.number}"
            assert await find_item(session, app.state.pm, "idea", "nope") is None
    with tenant_scope(world.b.id):
        async with sessionmaker() as session:
            assert await find_item(session, app.state.pm, "idea", idea.id) is None

    viewer = await client.get(f"{base(world.a)}/loop/ideas/{idea.number}/panel")
    assert viewer.status_code == 200 and "Graag een donkere modus" in viewer.text and "@lotte" in viewer.text


async def test_a_case_is_linked_to_an_existing_idea_once(client, world: World, sessionmaker) -> None:
    await everything_active(sessionmaker, world)
    case_id = await make_case(sessionmaker, world.a)
    idea = await staff_idea(sessionmaker, world.a, "Storing melden via de app")
    await login_as(client, world.a, "agent")

    page = await post_form(client, f"{base(world.a)}/loop/pick", {"kind": "case", "item_id": str(case_id)})
    assert page.status_code == 200 and "#1 Storing" in page.text
    found = await client.get(f"{base(world.a)}/loop/pick",
                             params={"kind": "case", "item_id": str(case_id), "q": "storing app"})
    assert found.status_code == 200 and f'name="number" value="{idea.number}"' in found.text
    nothing = await client.get(f"{base(world.a)}/loop/pick",
                               params={"kind": "case", "item_id": str(case_id), "q": "zonnepanelen"})
    assert "Geen idee gevonden." in nothing.text

    for _twice in range(2):
        response = await post_form(client, f"{base(world.a)}/loop/link",
                                   {"kind": "case", "item_id": str(case_id), "number": str(idea.number)},
                                   follow_redirects=False)
        assert response.status_code == 303
    [link] = await rows(sessionmaker, world.a, IdeaLink)
    assert (link.kind, link.ref_id, link.title, link.author_handle) == ("case", str(case_id), "#1 Storing", "@jan")

    for number in ("999", "99999999999999999999", "een"):
        response = await post_form(client, f"{base(world.a)}/loop/link",
                                   {"kind": "case", "item_id": str(case_id), "number": number})
        assert response.status_code == 422 and "Kies een idee." in response.text
    assert (await client.get(f"{base(world.a)}/loop/ideas/99999999999999/panel")).status_code == 404
    response = await post_form(client, f"{base(world.a)}/loop/link",
                               {"kind": "case", "item_id": str(uuid4()), "number": str(idea.number)})
    assert response.status_code == 422 and "bestaat niet meer" in response.text
    assert len(await rows(sessionmaker, world.a, IdeaLink)) == 1


async def test_planned_mails_voters_and_followers_once(app, client, world: World, sessionmaker) -> None:
    await everything_active(sessionmaker, world)
    mention_id = await a_mention(sessionmaker, world.a)
    idea = await staff_idea(sessionmaker, world.a, "Een donkere modus")
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            people = [Customer(email=f"fan{n}@example.nl", display_name=f"Fan {n}") for n in range(3)]
            session.add_all(people)
            await session.flush()
            session.add_all([Vote(idea_id=idea.id, customer_id=people[0].id),
                             Vote(idea_id=idea.id, customer_id=people[1].id),
                             Follower(idea_id=idea.id, customer_id=people[1].id),  # voted and follows: one mail
                             Follower(idea_id=idea.id, customer_id=people[2].id)])
            session.add(IdeaLink(idea_id=idea.id, kind="mention", ref_id=str(mention_id), author_handle="@lotte",
                                 title="Donkere modus graag"))
            stored = await session.get(Idea, idea.id)
            change = await stages.change_stage(session, stored, "planned", "We bouwen het dit voorjaar.",
                                               user_id=world.a.users["regie"].id, lang="nl")
    result = await run_named_job(app, "cocreation.loop_tell", world.a.id, change_id=str(change.id), announce=True)
    assert result == {"emails": 3, "replies": 0}
    again = await run_named_job(app, "cocreation.loop_tell", world.a.id, change_id=str(change.id), announce=True)
    assert again == {"emails": 0, "replies": 0}

    mails = [m for m in await delivered_mails(app) if m["to"].startswith("fan")]
    assert sorted(m["to"] for m in mails) == ["fan0@example.nl", "fan1@example.nl", "fan2@example.nl"]
    assert "Idee #1 is nu gepland: Een donkere modus" in mails[0]["subject"]
    assert "We bouwen het dit voorjaar." in mails[0]["text"]
    assert f"/t/{world.a.slug}/p/cocreation/board/ideas/1" in mails[0]["text"]

    messages = await rows(sessionmaker, world.a, LoopMessage)
    assert sorted((m.channel, m.state) for m in messages) == [("email", "sent")] * 3 + [("network", "skipped")]
    skipped = next(m for m in messages if m.channel == "network")
    assert (skipped.recipient, skipped.detail) == ("@lotte", "no_address")

    await login_as(client, world.a, "regie")
    loop = await client.get(f"{base(world.a)}/loop/?state=skipped")
    assert loop.status_code == 200 and "@lotte" in loop.text and "antwoord de auteur zelf" in loop.text
    panel = await client.get(f"{base(world.a)}/loop/ideas/1/panel")
    assert panel.text.count("iemand die stemde of volgt") == 3 and "fan0@" not in panel.text
    told = await client.get(f"{base(world.a)}/board/ideas/1/told")
    assert "3 mensen hoorden het toen dit gepland werd." in told.text and "fan" not in told.text

    response = await post_form(client, f"{base(world.a)}/loop/messages/{skipped.id}/by-hand", {},
                               follow_redirects=False)
    assert response.status_code == 303
    assert "@lotte" not in (await client.get(f"{base(world.a)}/loop/?state=skipped")).text


def test_a_reply_fits_one_post_with_its_link() -> None:
    url = "https://regie.example/t/acme/p/cocreation/board/ideas/12"
    text = reply_text("Donkere modus", "gepland", "Omdat " + "heel " * 200 + "veel mensen erom vroegen.", url)
    assert len(text) <= 300 and text.endswith(url) and "…" in text
    assert reply_text("Donkere modus", "gepland", "Kort.", url) == \
        f"Bedankt voor je idee! \"Donkere modus\" is nu gepland. Kort. {url}"
    signed = reply_text("Donkere modus", "gepland", "Omdat " + "heel " * 200 + "erom gevraagd werd.", url, "Team Acme")
    assert len(signed) <= 300 and signed.endswith(f"{url}\nTeam Acme")  # where the policy looks for it


async def test_a_community_question_becomes_an_idea_from_its_page(client, world: World, sessionmaker) -> None:
    from datetime import UTC, datetime

    from plugins.webcare.models import Question

    await everything_active(sessionmaker, world)
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            question = Question(title="Kan de app een donkere modus krijgen?", body="Zou fijn zijn voor 's avonds.",
                                status="published", published_at=datetime.now(UTC))
            session.add(question)
            await session.flush()
            question_id = question.id
    await login_as(client, world.a, "agent")
    page = await client.get(f"/t/{world.a.slug}/p/webcare/community/questions/{question_id}")
    assert page.status_code == 200 and "Maak er een idee van" in page.text
    assert f'name="item_id" value="{question_id}"' in page.text

    response = await post_form(client, f"{base(world.a)}/loop/ideas",
                               {"kind": "question", "item_id": str(question_id),
                                "title": "Donkere modus in de app"}, follow_redirects=False)
    assert response.status_code == 303, response.text[-2000:]
    [idea] = await rows(sessionmaker, world.a, Idea)
    [link] = await rows(sessionmaker, world.a, IdeaLink)
    assert (idea.source, idea.status) == ("question", "published")
    assert (link.kind, link.title, link.url) == \
        ("question", "Kan de app een donkere modus krijgen?",
         f"/t/{world.a.slug}/p/webcare/community/questions/{question_id}")
    client.cookies.clear()  # a visitor sees no staff actions
    page = await client.get(f"/t/{world.a.slug}/p/webcare/community/questions/{question_id}")
    assert page.status_code == 200 and "Maak er een idee van" not in page.text
