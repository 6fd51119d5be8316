"""The public idea board: e-mail link sign-in, raising ideas under each moderation mode, similar ideas and search
in the database, votes (one per customer, withdrawable, counted in place), comments, following, flags, the
private board, rate limits and the honeypot, the vote threshold, campaigns, bad input, and one tenant's
customers never acting on another's board."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.auth.models import User
from core.customers.models import Customer
from core.plugins.api import utcnow
from core.tenancy.scope import tenant_scope
from plugins.cocreation import ideas
from plugins.cocreation.board import service
from plugins.cocreation.models import (
    Campaign,
    Category,
    Comment,
    Flag,
    Follower,
    Idea,
    IdeaTag,
    StageChange,
    Vote,
)
from tests.plugins.cocreation.conftest import BOARD, OTHER_BOARD, add_rows, configure, rows, sign_in
from tests.support import TenantWorld, World, delivered_mails, login_as, post_form


async def add_idea(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, title: str,
                   description: str = "", **values: Any) -> Idea:
    """A published idea raised by staff (no moderation, no rate limit)."""
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            return await ideas.create_idea(session, {"title": title, "description": description, **values},
                                           lang="nl", user_id=tw.users["regie"].id, source="staff")


async def post_idea(client: Any, title: str, description: str = "", **extra: str) -> Any:
    return await post_form(client, f"{BOARD}new", {"title": title, "description": description, **extra},
                           follow_redirects=False)


def number_of(response: Any) -> int:
    assert response.status_code == 303, response.text[:600]
    return int(response.headers["location"].rsplit("/", 1)[1])


async def count(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, model: Any, *where: Any) -> int:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def idea_row(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, number: int) -> Idea:
    [found] = await rows(sessionmaker, tw, Idea, Idea.number == number)
    return found


# -- sign-in ---------------------------------------------------------------------------------------------------

async def test_sign_in_by_mail_link_names_the_idea_board(cc: World, client: Any, app: Any,
                                                         sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    front = await client.get(BOARD)
    assert front.status_code == 200 and "Ideeënbord van Acme BV" in front.text
    assert "Log in om ideeën te delen en te stemmen" in front.text
    response = await post_form(client, f"{BOARD}signin", {"email": "Anna@Example.NL", "display_name": "Anna"})
    assert response.status_code == 200 and "Kijk in je mail" in response.text
    [mail] = [m for m in await delivered_mails(app) if m["to"] == "anna@example.nl"]
    assert "ideeënbord van Acme BV" in mail["subject"] and "/p/cocreation/board/signin/" in mail["text"]
    await sign_in(client, app, "anna@example.nl")
    page = await client.get(BOARD)
    assert "Ingelogd als Anna" in page.text
    [customer] = await rows(sessionmaker, cc.a, Customer)
    assert customer.verified_at is not None
    await post_form(client, f"{BOARD}signout", {})
    assert "Log in om ideeën te delen" in (await client.get(BOARD)).text
    bad = await post_form(client, f"{BOARD}signin", {"email": "geen-adres"})
    assert bad.status_code == 422 and "geen geldig e-mailadres" in bad.text


async def test_new_idea_needs_a_signed_in_customer(cc: World, client: Any,
                                                   sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    response = await client.get(f"{BOARD}new", follow_redirects=False)
    assert response.status_code == 303 and "/board/signin?next=" in response.headers["location"]
    response = await post_idea(client, "Een idee zonder inloggen")
    assert response.status_code == 303 and "/board/signin" in response.headers["location"]
    assert await rows(sessionmaker, cc.a, Idea) == []


# -- raising ideas under each moderation mode ------------------------------------------------------------------

async def test_moderation_none_publishes_at_once(cc: World, client: Any, app: Any,
                                                 sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await configure(sessionmaker, cc.a, moderation="none")
    await sign_in(client, app, "bo@example.nl", "Bo")
    number = number_of(await post_idea(client, "Donkere modus in de app", "Prettiger 's avonds", tags="app, Thema"))
    idea = await idea_row(sessionmaker, cc.a, number)
    assert (idea.status, idea.stage_key, idea.author_name, idea.tags) == ("published", "new", "Bo", ["app", "thema"])
    assert idea.published_at is not None and idea.follower_count == 1 and idea.client_ip
    assert {t.tag for t in await rows(sessionmaker, cc.a, IdeaTag)} == {"app", "thema"}
    assert [f.customer_id for f in await rows(sessionmaker, cc.a, Follower)] == [idea.customer_id]
    client.cookies.clear()
    front = await client.get(BOARD)
    assert "Donkere modus in de app" in front.text
    page = await client.get(f"{BOARD}ideas/{number}")
    assert page.status_code == 200 and "Prettiger" in page.text and "nieuw" in page.text


async def test_moderation_all_holds_every_idea(cc: World, client: Any, app: Any,
                                               sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await configure(sessionmaker, cc.a, moderation="all")
    await sign_in(client, app, "cas@example.nl", "Cas")
    number = number_of(await post_idea(client, "Bezorging op zaterdag"))
    assert (await idea_row(sessionmaker, cc.a, number)).status == "pending"
    own = await client.get(f"{BOARD}ideas/{number}")
    assert own.status_code == 200 and "wacht op een moderator" in own.text
    assert "Bezorging op zaterdag" not in (await client.get(BOARD)).text
    client.cookies.clear()
    assert (await client.get(f"{BOARD}ideas/{number}")).status_code == 404
    await login_as(client, cc.a, "regie")
    assert (await client.get(f"{BOARD}ideas/{number}")).status_code == 200  # staff see what waits


async def test_moderation_first_post_holds_only_a_new_customers_first(
        cc: World, client: Any, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await configure(sessionmaker, cc.a, moderation="first_post")
    await sign_in(client, app, "dirk@example.nl", "Dirk")
    first = number_of(await post_idea(client, "Eerste idee van Dirk"))
    assert (await idea_row(sessionmaker, cc.a, first)).status == "pending"
    second = number_of(await post_idea(client, "Tweede idee van Dirk"))
    assert (await idea_row(sessionmaker, cc.a, second)).status == "pending"  # nothing of his published yet
    with tenant_scope(cc.a.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(Idea).where(Idea.number == first).values(status="published"))
    third = number_of(await post_idea(client, "Derde idee van Dirk"))
    assert (await idea_row(sessionmaker, cc.a, third)).status == "published"
    # a spam signal holds a post whatever the mode
    shouted = number_of(await post_idea(client, "DIT MOET NU ECHT ANDERS WORDEN"))
    held = await idea_row(sessionmaker, cc.a, shouted)
    assert held.status == "pending" and held.spam_reasons == ["shouting"]


async def test_bad_input_names_each_field_and_stores_nothing(
        cc: World, client: Any, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    ended = Campaign(slug="voorbij", title="Voorbij", starts_at=utcnow() - timedelta(days=9),
                     ends_at=utcnow() - timedelta(days=1))
    retired = Category(name="Oud", is_active=False)
    await add_rows(sessionmaker, cc.a, ended, retired)
    await sign_in(client, app, "eva@example.nl", "Eva")
    response = await post_idea(client, "ab", "x" * 5001, tags="a,b,c,d,e,f", category_id=str(retired.id),
                               campaign_id=str(ended.id))
    assert response.status_code == 422
    for reason in ("Gebruik minstens 3 tekens", "Gebruik maximaal 5000 tekens", "maximaal 5 tags",
                   "Kies een van de categorieën", "Deze campagne neemt nu geen ideeën aan"):
        assert reason in response.text, reason
    bad_id = await post_idea(client, "Een goed idee", category_id="geen-id")
    assert bad_id.status_code == 422
    too_long_tag = await post_idea(client, "Een goed idee", tags="x" * 41)
    assert too_long_tag.status_code == 422 and "maximaal 40 tekens" in too_long_tag.text
    assert await rows(sessionmaker, cc.a, Idea) == [] and await rows(sessionmaker, cc.a, IdeaTag) == []
    filters = await client.get(f"{BOARD}?order=raar&stage=bestaat-niet")
    assert filters.status_code == 422 and "Kies een van de fasen" in filters.text


async def test_honeypot_and_rate_limits(cc: World, client: Any, app: Any,
                                        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await configure(sessionmaker, cc.a, moderation="none")
    await sign_in(client, app, "fien@example.nl", "Fien")
    robot = await post_idea(client, "Koop goedkope horloges", website="http://spam.example")
    assert robot.status_code == 422 and await rows(sessionmaker, cc.a, Idea) == []
    for n in range(ideas.IDEAS_PER_HOUR):
        number_of(await post_idea(client, f"Idee nummer {n} van Fien"))
    limited = await post_idea(client, "Nog een idee van Fien")
    assert limited.status_code == 429 and "het afgelopen uur 5 keer iets geplaatst" in limited.text
    assert len(await rows(sessionmaker, cc.a, Idea)) == ideas.IDEAS_PER_HOUR
    # per client address too, whoever posts
    with tenant_scope(cc.a.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(Idea).values(client_ip="10.0.0.9"))
            for n in range(ideas.IDEAS_PER_ADDRESS - ideas.IDEAS_PER_HOUR):
                session.add(Idea(number=100 + n, title=f"Van het netwerk {n}", client_ip="10.0.0.9"))
    with tenant_scope(cc.a.id):
        async with sessionmaker() as session:
            other = Customer(email="gijs@example.nl", display_name="Gijs")
            session.add(other)
            await session.flush()
            try:
                await ideas.create_idea(session, {"title": "Van een ander op hetzelfde netwerk"}, lang="nl",
                                        customer=other, client_ip="10.0.0.9")
            except ideas.CustomerRateLimited as exc:
                assert "network" in str(exc.rendered("en"))
            else:
                raise AssertionError("the client address's limit did not hold")
            await session.rollback()
    # comments: twenty an hour
    number = (await rows(sessionmaker, cc.a, Idea, Idea.status == "published"))[0].number
    [fien] = await rows(sessionmaker, cc.a, Customer, Customer.email == "fien@example.nl")
    idea = await idea_row(sessionmaker, cc.a, number)
    await add_rows(sessionmaker, cc.a, *[Comment(idea_id=idea.id, customer_id=fien.id, body=f"reactie {n}",
                                                 status="published") for n in range(service.COMMENTS_PER_HOUR)])
    limited = await post_form(client, f"{BOARD}ideas/{number}/comments", {"body": "Nog eentje"})
    assert limited.status_code == 429
    assert await count(sessionmaker, cc.a, Comment) == service.COMMENTS_PER_HOUR


# -- similar ideas and search ----------------------------------------------------------------------------------

async def test_similar_ideas_come_from_the_database(cc: World, client: Any,
                                                    sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    dark = await add_idea(sessionmaker, cc.a, "Donkere modus in de app", "Minder fel scherm")
    await add_idea(sessionmaker, cc.a, "Betalen met iDEAL in de webwinkel")
    await add_idea(sessionmaker, cc.b, "Donkere modus in de app")  # another tenant's
    with tenant_scope(cc.a.id):
        async with sessionmaker() as session, session.begin():
            session.add(Idea(number=50, title="Donkere modus overal", status="pending"))
    with tenant_scope(cc.a.id):
        async with sessionmaker() as session:
            found = await ideas.similar_ideas(session, "donkere modus")
            assert [i.id for i in found] == [dark.id]
            assert await ideas.similar_ideas(session, "donkere modus", exclude_id=dark.id) == []
            assert await ideas.similar_ideas(session, "ab") == []
    response = await client.get(f"{BOARD}similar", params={"title": "donkere modus"},
                                headers={"HX-Request": "true"})
    assert response.status_code == 200 and f"ideas/{dark.number}" in response.text
    assert "<html" not in response.text and "Stem er dan op" in response.text
    assert "Stem er dan op" not in (await client.get(f"{BOARD}similar", params={"title": "vliegende auto"})).text


async def test_search_and_filters(cc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    app_category = Category(name="App")
    await add_rows(sessionmaker, cc.a, app_category)
    ideal = await add_idea(sessionmaker, cc.a, "Betalen met iDEAL", "Snel afrekenen", tags="betalen")
    dark = await add_idea(sessionmaker, cc.a, "Donkere modus", "Voor de app", category_id=str(app_category.id))
    with tenant_scope(cc.a.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(Idea).where(Idea.id == ideal.id).values(vote_count=7))
    with tenant_scope(cc.a.id):
        async with sessionmaker() as session:
            assert [i.id for i in (await ideas.search_ideas(session, "ideal")).items] == [ideal.id]
            assert [i.id for i in (await ideas.search_ideas(session, "afrekenen")).items] == [ideal.id]
            assert [i.id for i in (await ideas.search_ideas(session, "")).items] == [ideal.id, dark.id]
            assert [i.id for i in (await ideas.search_ideas(session, "", order="new")).items] == [dark.id, ideal.id]
            assert [i.id for i in (await ideas.search_ideas(session, "", tag="betalen")).items] == [ideal.id]
            assert [i.id for i in (await ideas.search_ideas(session, "", category_id=app_category.id)).items] \
                == [dark.id]
            assert (await ideas.search_ideas(session, "", stage="done")).items == []
            assert (await ideas.search_ideas(session, "vliegende")).items == []
            # a search reads one row past its page instead of counting every match
            first = await ideas.search_ideas(session, "", tag="betalen", per_page=1)
            assert first.has_next is False and first.total == 1
            paged = await ideas.search_ideas(session, "", stage="new", order="new", per_page=1)
            assert [i.id for i in paged.items] == [dark.id] and paged.has_next and not paged.total_exact
            second = await ideas.search_ideas(session, "", stage="new", order="new", per_page=1, page=2)
            assert [i.id for i in second.items] == [ideal.id] and not second.has_next and second.total == 2
            past = await ideas.search_ideas(session, "", stage="new", order="new", per_page=1, page=9)
            assert past.number == 1 and [i.id for i in past.items] == [dark.id]
    page = await client.get(BOARD, params={"q": "ideal"})
    assert "Betalen met iDEAL" in page.text and "Donkere modus" not in page.text
    page = await client.get(BOARD, params={"tag": "betalen"})
    assert "Betalen met iDEAL" in page.text and "Donkere modus" not in page.text
    running = Campaign(slug="betalen", title="Betalen", starts_at=utcnow() - timedelta(days=1),
                       ends_at=utcnow() + timedelta(days=1))
    await add_rows(sessionmaker, cc.a, running)
    with tenant_scope(cc.a.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(Idea).where(Idea.id == ideal.id).values(campaign_id=running.id))
    page = await client.get(BOARD, params={"campaign": "betalen"})
    assert "Betalen met iDEAL" in page.text and "Donkere modus" not in page.text
    unknown = await client.get(BOARD, params={"campaign": "bestaat-niet"})
    assert unknown.status_code == 422 and "Kies een van de campagnes" in unknown.text


# -- votes, threshold, following, comments, flags --------------------------------------------------------------

async def test_vote_once_and_withdraw_keeps_the_count_right(cc: World, client: Any, app: Any,
                                                            sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    idea = await add_idea(sessionmaker, cc.a, "Langere openingstijden")
    await sign_in(client, app, "hans@example.nl", "Hans")
    url = f"{BOARD}ideas/{idea.number}"
    for _ in range(2):  # a double click counts once
        response = await post_form(client, f"{url}/vote", {}, follow_redirects=False)
        assert response.status_code == 303
    assert (await idea_row(sessionmaker, cc.a, idea.number)).vote_count == 1
    assert await count(sessionmaker, cc.a, Vote) == 1
    assert await count(sessionmaker, cc.a, Follower) == 1  # a voter follows the idea
    assert "Mijn stem intrekken" in (await client.get(url)).text
    with tenant_scope(cc.a.id):
        async with sessionmaker() as session, session.begin():
            other = Customer(email="ina@example.nl", display_name="Ina")
            session.add(other)
            await session.flush()
            assert await service.vote(session, await service.open_idea(session, idea.number), other) == 2
    for _ in range(2):
        await post_form(client, f"{url}/unvote", {})
    row = await idea_row(sessionmaker, cc.a, idea.number)
    assert row.vote_count == 1 == await count(sessionmaker, cc.a, Vote)
    assert "Stem op dit idee" in (await client.get(url)).text


async def test_vote_threshold_moves_a_new_idea_to_review(cc: World, client: Any,
                                                         sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await configure(sessionmaker, cc.a, vote_threshold=2)
    idea = await add_idea(sessionmaker, cc.a, "Een app voor de bibliotheek")
    with tenant_scope(cc.a.id):
        async with sessionmaker() as session, session.begin():
            voters = [Customer(email=f"stemmer{n}@example.nl", display_name=f"Stemmer {n}") for n in range(3)]
            session.add_all(voters)
            await session.flush()
            for voter in voters[:2]:
                await service.vote(session, await service.open_idea(session, idea.number), voter)
    row = await idea_row(sessionmaker, cc.a, idea.number)
    assert (row.vote_count, row.stage_key) == (2, "under-review")
    [change] = await rows(sessionmaker, cc.a, StageChange)
    assert (change.from_key, change.to_key, change.user_id) == ("new", "under-review", None)
    assert "2" in change.reason
    with tenant_scope(cc.a.id):  # a third vote moves it no further
        async with sessionmaker() as session, session.begin():
            await service.vote(session, await service.open_idea(session, idea.number), voters[2])
    assert len(await rows(sessionmaker, cc.a, StageChange)) == 1
    page = await client.get(f"{BOARD}ideas/{idea.number}")
    assert "in behandeling" in page.text
    assert "in behandeling" in (await client.get(BOARD)).text  # recently changed


async def test_follow_and_unfollow(cc: World, client: Any, app: Any,
                                   sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    idea = await add_idea(sessionmaker, cc.a, "Meer fietsenrekken")
    await sign_in(client, app, "jan@example.nl", "Jan")
    url = f"{BOARD}ideas/{idea.number}"
    await post_form(client, f"{url}/follow", {})
    await post_form(client, f"{url}/follow", {})
    assert (await idea_row(sessionmaker, cc.a, idea.number)).follower_count == 1
    assert "Niet meer volgen" in (await client.get(url)).text
    await post_form(client, f"{url}/unfollow", {})
    await post_form(client, f"{url}/unfollow", {})
    assert (await idea_row(sessionmaker, cc.a, idea.number)).follower_count == 0
    assert await count(sessionmaker, cc.a, Follower) == 0


async def test_comments_by_customers_and_official_ones(cc: World, client: Any, app: Any,
                                                       sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await configure(sessionmaker, cc.a, moderation="none")
    idea = await add_idea(sessionmaker, cc.a, "Parkeren bij het station")
    await sign_in(client, app, "kim@example.nl", "Kim")
    url = f"{BOARD}ideas/{idea.number}"
    response = await post_form(client, f"{url}/comments", {"body": "Goed plan, graag!"}, follow_redirects=False)
    assert response.status_code == 303
    empty = await post_form(client, f"{url}/comments", {"body": "  "})
    assert empty.status_code == 422 and "Dit veld is verplicht" in empty.text
    robot = await post_form(client, f"{url}/comments", {"body": "Klik hier", "website": "x"})
    assert robot.status_code == 422
    await configure(sessionmaker, cc.a, moderation="all")
    await post_form(client, f"{url}/comments", {"body": "Nog een gedachte"})
    comments = await rows(sessionmaker, cc.a, Comment)
    assert [(c.body, c.status) for c in comments] == [("Goed plan, graag!", "published"),
                                                      ("Nog een gedachte", "pending")]
    assert (await idea_row(sessionmaker, cc.a, idea.number)).comment_count == 1
    client.cookies.clear()
    page = await client.get(url)
    assert "Goed plan, graag!" in page.text and "Nog een gedachte" not in page.text
    await login_as(client, cc.a, "regie")
    await post_form(client, f"{url}/comments", {"body": "We kijken ernaar, dank!"})
    official = (await rows(sessionmaker, cc.a, Comment, Comment.user_id.is_not(None)))[0]
    assert official.status == "published" and official.customer_id is None
    row = await idea_row(sessionmaker, cc.a, idea.number)
    assert row.comment_count == 2 and row.first_response_at is not None
    client.cookies.clear()
    assert "officieel antwoord van Acme BV" in (await client.get(url)).text


async def test_an_official_answer_never_shows_an_address(cc: World, client: Any,
                                                         sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """A colleague who never set a name answers as the organisation on the public page, not by e-mail."""
    idea = await add_idea(sessionmaker, cc.a, "Parkeren bij het station")
    async with sessionmaker() as session, session.begin():
        await session.execute(update(User).where(User.id == cc.a.users["regie"].id).values(name=""))
    await login_as(client, cc.a, "regie")
    url = f"{BOARD}ideas/{idea.number}"
    await post_form(client, f"{url}/comments", {"body": "We kijken ernaar, dank!"})
    [official] = await rows(sessionmaker, cc.a, Comment, Comment.user_id.is_not(None))
    assert official.author_name == ""
    client.cookies.clear()
    page = (await client.get(url)).text
    assert cc.a.email("regie") not in page and "<strong>Acme BV</strong>" in page


async def test_flags_count_once_per_reader(cc: World, client: Any, app: Any,
                                           sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    idea = await add_idea(sessionmaker, cc.a, "Gratis koffie voor iedereen")
    await sign_in(client, app, "lot@example.nl", "Lot")
    url = f"{BOARD}ideas/{idea.number}"
    for _ in range(2):
        await post_form(client, f"{url}/flag", {"reason": "reclame"})
    assert (await idea_row(sessionmaker, cc.a, idea.number)).flag_count == 1
    [comment] = [Comment(idea_id=idea.id, body="Koop nu", status="published")]
    await add_rows(sessionmaker, cc.a, comment)
    await post_form(client, f"{url}/flag", {"comment_id": str(comment.id)})
    await post_form(client, f"{url}/flag", {"comment_id": str(comment.id)})
    flagged = await rows(sessionmaker, cc.a, Comment)
    assert flagged[0].flag_count == 1
    assert sorted(f.target_kind for f in await rows(sessionmaker, cc.a, Flag)) == ["comment", "idea"]
    unknown = await post_form(client, f"{url}/flag", {"comment_id": "geen-id"})
    assert unknown.status_code == 404
    other = await add_idea(sessionmaker, cc.a, "Iets anders")  # a comment is flagged on its own idea's page
    elsewhere = await post_form(client, f"{BOARD}ideas/{other.number}/flag", {"comment_id": str(comment.id)})
    assert elsewhere.status_code == 404 and (await rows(sessionmaker, cc.a, Comment))[0].flag_count == 1


async def test_a_merged_idea_leads_to_the_one_it_was_folded_into(
        cc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    kept = await add_idea(sessionmaker, cc.a, "Donkere modus")
    folded = await add_idea(sessionmaker, cc.a, "Nachtmodus graag")
    with tenant_scope(cc.a.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(Idea).where(Idea.id == folded.id)
                                  .values(status="merged", merged_into_id=kept.id))
    response = await client.get(f"{BOARD}ideas/{folded.number}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith(f"/ideas/{kept.number}")
    assert "Nachtmodus graag" not in (await client.get(BOARD)).text


# -- who may read and act --------------------------------------------------------------------------------------

async def test_private_board_is_for_signed_in_customers_and_staff(
        cc: World, client: Any, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await configure(sessionmaker, cc.a, is_private=True)
    idea = await add_idea(sessionmaker, cc.a, "Geheim plan voor de winkel")
    for url in (BOARD, f"{BOARD}ideas/{idea.number}"):
        response = await client.get(url, follow_redirects=False)
        assert response.status_code == 303 and "/board/signin" in response.headers["location"]
    assert "Geheim plan" not in (await client.get(f"{BOARD}similar", params={"title": "geheim plan"})).text
    await sign_in(client, app, "mo@example.nl", "Mo")
    assert "Geheim plan voor de winkel" in (await client.get(BOARD)).text
    client.cookies.clear()
    await login_as(client, cc.a, "viewer")
    assert "Geheim plan voor de winkel" in (await client.get(BOARD)).text  # the organisation's people read it
    client.cookies.clear()
    await login_as(client, cc.a, "regie")
    assert "Geheim plan voor de winkel" in (await client.get(BOARD)).text


async def test_a_blocked_customer_cannot_vote_or_post(cc: World, client: Any, app: Any,
                                                      sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    idea = await add_idea(sessionmaker, cc.a, "Een winkel in het dorp")
    await sign_in(client, app, "nel@example.nl", "Nel")
    with tenant_scope(cc.a.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(Customer).values(is_blocked=True))
    response = await post_form(client, f"{BOARD}ideas/{idea.number}/vote", {}, follow_redirects=False)
    assert response.status_code == 303 and "/board/signin" in response.headers["location"]
    response = await post_idea(client, "Nog een idee van Nel")
    assert response.status_code == 303 and "/board/signin" in response.headers["location"]
    assert await count(sessionmaker, cc.a, Vote) == 0 and len(await rows(sessionmaker, cc.a, Idea)) == 1
    with tenant_scope(cc.a.id):
        async with sessionmaker() as session:
            [nel] = (await session.scalars(select(Customer))).all()
            try:
                await service.vote(session, await service.open_idea(session, idea.number), nel)
            except ideas.Refused as exc:
                assert "mag niet meedoen" in exc.rendered("nl")["__all__"]
            else:
                raise AssertionError("a blocked customer voted")


async def test_another_tenants_customer_cannot_vote_here(cc: World, client: Any, app: Any,
                                                         sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    theirs = await add_idea(sessionmaker, cc.b, "Idee bij Globex")
    await add_idea(sessionmaker, cc.a, "Idee bij Acme")
    await sign_in(client, app, "olaf@example.nl", "Olaf")  # a customer of acme
    page = await client.get(OTHER_BOARD)
    assert page.status_code == 200 and "Ingelogd als" not in page.text
    response = await post_form(client, f"{OTHER_BOARD}ideas/{theirs.number}/vote", {}, follow_redirects=False)
    assert response.status_code == 303 and "/board/signin" in response.headers["location"]
    assert await count(sessionmaker, cc.b, Vote) == 0
    assert (await idea_row(sessionmaker, cc.b, theirs.number)).vote_count == 0
    # numbers are per tenant: number 1 under acme's slug is acme's idea, never globex's
    mine = await client.get(f"{BOARD}ideas/{theirs.number}")
    assert "Idee bij Acme" in mine.text and "Globex" not in mine.text
    assert (await client.get(f"{BOARD}ideas/{theirs.number + 1}")).status_code == 404


# -- campaigns -------------------------------------------------------------------------------------------------

async def test_campaign_page_takes_ideas_while_running_and_shows_results_after(
        cc: World, client: Any, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await configure(sessionmaker, cc.a, moderation="none")
    running = Campaign(slug="nieuwe-app", title="Onze nieuwe app", question="Hoe moet onze nieuwe app werken?",
                       starts_at=utcnow() - timedelta(days=1), ends_at=utcnow() + timedelta(days=7))
    ended = Campaign(slug="zomer", title="De zomer", question="Wat doen we in de zomer?",
                     starts_at=utcnow() - timedelta(days=30), ends_at=utcnow() - timedelta(days=2),
                     results="We openen een terras.")
    await add_rows(sessionmaker, cc.a, running, ended)
    assert "Onze nieuwe app" in (await client.get(BOARD)).text  # running campaigns on the front page
    await sign_in(client, app, "piet@example.nl", "Piet")
    form = await client.get(f"{BOARD}new", params={"campaign": "nieuwe-app"})
    assert f'value="{running.id}" selected' in form.text
    number = number_of(await post_idea(client, "Inloggen met vingerafdruk", campaign_id=str(running.id)))
    assert (await idea_row(sessionmaker, cc.a, number)).campaign_id == running.id
    page = await client.get(f"{BOARD}campaigns/nieuwe-app")
    assert "Hoe moet onze nieuwe app werken?" in page.text and "Inloggen met vingerafdruk" in page.text
    assert "new?campaign=nieuwe-app" in page.text
    over = await client.get(f"{BOARD}campaigns/zomer")
    assert "We openen een terras." in over.text and "new?campaign=" not in over.text
    late = await post_idea(client, "Te laat voor de zomer", campaign_id=str(ended.id))
    assert late.status_code == 422
    assert (await client.get(f"{BOARD}campaigns/bestaat-niet")).status_code == 404


async def test_numbers_from_the_address_bar_beyond_any_idea_or_page_are_not_errors(cc: World, client: Any,
                                                                                    sessionmaker: Any) -> None:
    await add_idea(sessionmaker, cc.a, "Donkere modus in de app")
    for number in (0, 2**31, 2**63, 10**30):
        response = await client.get(f"{BOARD}ideas/{number}")
        assert response.status_code == 404, (number, response.status_code)
        vote = await post_form(client, f"{BOARD}ideas/{number}/vote", {})
        assert vote.status_code < 500, (number, vote.status_code)  # not signed in: the sign-in page
    for query in ("?page=99999999999999999999", "?q=donkere&page=99999999999999999999",
                  "?stage=new&page=10000000"):
        response = await client.get(f"{BOARD}{query}")
        assert response.status_code == 200 and "Donkere modus" in response.text, (query, response.status_code)
