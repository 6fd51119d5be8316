"""Customer-helps-customer Q&A: e-mail link sign-in, moderation modes, spam signals and rate limits, votes,
accepted answers, staff and ambassador badges, blocking, question → case, and one tenant's customers never
being another's."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit.models import AuditEntry
from core.customers.models import Customer, CustomerLogin
from core.plugins.api import utcnow
from core.tenancy.scope import tenant_scope
from plugins.webcare.models import Answer, Case, CommunityProfile, Question, Vote, WebcareConfig
from tests.support import Browser, TenantWorld, World, delivered_mails, login_as, post_form

BASE = "/t/acme/p/webcare/community/"
LINK = re.compile(r"https?://\S+/community/signin/(\S+)")


async def rows(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, model: Any, *where: Any) -> list[Any]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(model).where(*where).order_by(model.created_at))).all())


async def set_mode(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, mode: str) -> None:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            if await session.scalar(select(WebcareConfig.id)) is None:
                session.add(WebcareConfig(community_moderation=mode))
            else:
                await session.execute(update(WebcareConfig).values(community_moderation=mode))


async def ask_link(client: Any, email: str, base: str = BASE, name: str = "") -> Any:
    return await post_form(client, f"{base}signin", {"email": email, "display_name": name, "next": base})


async def sign_in(client: Any, app: Any, email: str, name: str = "", base: str = BASE) -> None:
    """The whole way a customer goes: ask for a link, open it from the mail, confirm."""
    response = await ask_link(client, email, base, name)
    assert response.status_code == 200, response.text[:400]
    mails = [m for m in await delivered_mails(app) if m["to"] == email]
    token = LINK.search(mails[0]["text"]).group(1)
    assert (await client.get(f"{base}signin/{token}")).status_code == 200
    response = await post_form(client, f"{base}signin/{token}", {}, follow_redirects=False)
    assert response.status_code == 303, response.text[:400]


async def ask(client: Any, title: str, body: str = "", base: str = BASE) -> Any:
    return await post_form(client, f"{base}ask", {"title": title, "body": body}, follow_redirects=False)


def question_id(response: Any) -> str:
    assert response.status_code == 303, response.text[:400]
    return response.headers["location"].rsplit("/", 1)[1]


# -- sign-in ------------------------------------------------------------------------------------------------

async def test_sign_in_by_mail_link_once(wc: World, client: Any, app: Any,
                                         sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    page = await client.get(BASE)
    assert page.status_code == 200 and "Community van" in page.text
    assert "Inloggen om te vragen of te antwoorden" in page.text
    assert "phase-chip" not in page.text  # the organisation's internal phase is not for its customers
    response = await ask_link(client, "Anna@Example.NL", name="Anna")
    assert "Kijk in je mail" in response.text
    [mail] = [m for m in await delivered_mails(app) if m["to"] == "anna@example.nl"]
    token = LINK.search(mail["text"]).group(1)
    [login] = await rows(sessionmaker, wc.a, CustomerLogin)
    assert token not in login.token_digest and len(login.token_digest) == 64  # only the digest is stored
    [customer] = await rows(sessionmaker, wc.a, Customer)
    assert customer.display_name == "Anna" and customer.verified_at is None
    # opening the link only shows a button (a mail scanner does not use it up)
    assert (await client.get(f"{BASE}signin/{token}")).status_code == 200
    assert (await rows(sessionmaker, wc.a, CustomerLogin))[0].used_at is None
    response = await post_form(client, f"{BASE}signin/{token}", {"display_name": "Anna B."}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == BASE
    assert "Ingelogd als Anna B." in (await client.get(BASE)).text
    [customer] = await rows(sessionmaker, wc.a, Customer)
    assert customer.verified_at is not None
    # the same link again: refused, and the page says why
    again = await post_form(client, f"{BASE}signin/{token}", {})
    assert again.status_code == 409 and "niet meer geldig" in again.text
    assert (await client.get(f"{BASE}signin/{token}")).status_code == 404
    # signing out of the community
    await post_form(client, f"{BASE}signout", {})
    assert "Inloggen om te vragen of te antwoorden" in (await client.get(BASE)).text


async def test_expired_link_and_bad_address(wc: World, client: Any, app: Any,
                                            sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    bad = await ask_link(client, "not-an-address")
    assert bad.status_code == 422 and "geen geldig e-mailadres" in bad.text
    assert await rows(sessionmaker, wc.a, Customer) == []
    await ask_link(client, "bert@example.nl")
    token = LINK.search((await delivered_mails(app))[0]["text"]).group(1)
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(CustomerLogin).values(expires_at=utcnow() - timedelta(minutes=1)))
    assert (await client.get(f"{BASE}signin/{token}")).status_code == 404
    assert (await post_form(client, f"{BASE}signin/{token}", {})).status_code == 409
    assert "Inloggen om te vragen of te antwoorden" in (await client.get(BASE)).text


async def test_sign_in_links_are_rate_limited_per_address_and_network(
        wc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    for _ in range(3):
        assert (await ask_link(client, "cor@example.nl")).status_code == 200
    limited = await ask_link(client, "cor@example.nl")
    assert limited.status_code == 429 and "Te veel inloglinks voor dit adres" in limited.text
    for n in range(7):  # ten links from this client address in the hour, then no more
        assert (await ask_link(client, f"other{n}@example.nl")).status_code == 200
    limited = await ask_link(client, "someone-new@example.nl")
    assert limited.status_code == 429 and "vanaf je netwerk" in limited.text
    assert len(await rows(sessionmaker, wc.a, CustomerLogin)) == 10


async def test_customer_of_one_tenant_is_not_signed_in_at_another(
        wc: World, client: Any, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await sign_in(client, app, "dirk@example.nl", "Dirk")
    other = "/t/globex/p/webcare/community/"
    page = await client.get(other)
    assert page.status_code == 200 and "Ingelogd als" not in page.text
    response = await ask(client, "Werkt dit ook bij jullie?", base=other)
    assert response.status_code == 303 and "/signin" in response.headers["location"]
    assert await rows(sessionmaker, wc.b, Question) == []
    # a question of tenant a is not found under tenant b's slug
    qid = question_id(await ask(client, "Hoe zet ik mijn abonnement stop?"))
    assert (await client.get(f"{other}questions/{qid}")).status_code == 404


# -- asking, moderation modes, spam, rate limits --------------------------------------------------------------

async def test_first_post_waits_then_the_customer_is_trusted(
        wc: World, client: Any, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await sign_in(client, app, "eva@example.nl", "Eva")
    form = await client.get(f"{BASE}ask")  # a handler that may redirect still answers with an HTML page
    assert form.status_code == 200 and form.headers["content-type"].startswith("text/html")
    bad = await ask(client, "Kort")
    assert bad.status_code == 422 and "minstens 10 tekens" in bad.text
    assert await rows(sessionmaker, wc.a, Question) == []
    first = question_id(await ask(client, "Hoe verander ik mijn betaaldatum?", "Het liefst de 25e."))
    page = await client.get(f"{BASE}questions/{first}")
    assert page.status_code == 200 and "Wacht op een moderator" in page.text
    assert "Hoe verander ik mijn betaaldatum?" not in (await client.get(BASE)).text
    # nobody else sees a question waiting for moderation
    assert (await Browser(client).get(f"{BASE}questions/{first}")).status_code == 404
    # the moderator approves it; from then on the customer's posts appear at once
    staff = await staff_browser(client, wc)
    moderation_page = await staff.get(f"{BASE}moderation/")
    assert moderation_page.status_code == 200 and "Hoe verander ik mijn betaaldatum?" in moderation_page.text
    response = await post_form(staff, f"{BASE}moderation/question/{first}", {"decision": "approve"},
                               follow_redirects=False)
    assert response.status_code == 303
    again = await post_form(staff, f"{BASE}moderation/question/{first}", {"decision": "approve"})
    assert again.status_code == 409 and "al gemodereerd" in again.text
    assert "Hoe verander ik mijn betaaldatum?" in (await client.get(BASE)).text
    second = question_id(await ask(client, "Kan ik ook per kwartaal betalen?"))
    [q] = await rows(sessionmaker, wc.a, Question, Question.id == _uuid(second))
    assert q.status == "published" and q.published_at is not None
    audit = await rows(sessionmaker, wc.a, AuditEntry, AuditEntry.action == "webcare.community_approved")
    assert len(audit) == 1


async def test_moderation_modes_and_spam_signals(wc: World, client: Any, app: Any,
                                                 sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await set_mode(sessionmaker, wc.a, "none")
    await sign_in(client, app, "fien@example.nl", "Fien")
    open_q = question_id(await ask(client, "Waar vind ik mijn jaaroverzicht?"))
    spam = question_id(await ask(client, "GRATIS GELD VERDIENEN MET DEZE ACTIE NU", "zie http://a.nl http://b.nl "
                                         "http://c.nl"))
    duplicate = question_id(await ask(client, "Nog een vraag over het jaaroverzicht", "Waar vind ik mijn "
                                               "jaaroverzicht?"))
    by_id = {str(q.id): q for q in await rows(sessionmaker, wc.a, Question)}
    assert by_id[open_q].status == "published"
    assert by_id[spam].status == "pending" and set(by_id[spam].spam_reasons) == {"links", "shouting"}
    assert by_id[duplicate].status == "pending" and by_id[duplicate].spam_reasons == ["duplicate"]
    staff = await staff_browser(client, wc)
    page = await staff.get(f"{BASE}moderation/")
    assert "meer dan twee links" in page.text and "vooral hoofdletters" in page.text and "eerder geplaatst" in page.text
    # mode "all": even a trusted customer waits
    response = await post_form(staff, f"{BASE}settings", {"community_moderation": "all"}, follow_redirects=False)
    assert response.status_code == 303
    bad = await post_form(staff, f"{BASE}settings", {"community_moderation": "sometimes"})
    assert bad.status_code == 422 and "Kies een van" in bad.text
    later = question_id(await ask(client, "Hoe lang duurt een terugbetaling?"))
    [q] = await rows(sessionmaker, wc.a, Question, Question.id == _uuid(later))
    assert q.status == "pending"


async def test_posting_is_rate_limited(wc: World, client: Any, app: Any,
                                       sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await set_mode(sessionmaker, wc.a, "none")
    await sign_in(client, app, "gijs@example.nl", "Gijs")
    for n in range(5):
        question_id(await ask(client, f"Vraag nummer {n} over mijn contract"))
    limited = await ask(client, "Vraag nummer zes over mijn contract")
    assert limited.status_code == 429 and "afgelopen uur 5 keer" in limited.text
    assert len(await rows(sessionmaker, wc.a, Question)) == 5


# -- answers, votes, accepted answers, badges -----------------------------------------------------------------

async def test_answers_votes_and_the_accepted_answer(wc: World, client: Any, app: Any,
                                                     sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await set_mode(sessionmaker, wc.a, "none")
    await sign_in(client, app, "asker@example.nl", "Vrager")
    qid = question_id(await ask(client, "Hoe koppel ik mijn slimme meter?"))
    helper = Browser(client)
    await sign_in(helper, app, "helper@example.nl", "Helper")
    response = await post_form(helper, f"{BASE}questions/{qid}/answers", {"body": "Via de app, onder Meter."},
                               follow_redirects=False)
    assert response.status_code == 303
    empty = await post_form(helper, f"{BASE}questions/{qid}/answers", {"body": "  "})
    assert empty.status_code == 422 and "verplicht" in empty.text
    [answer] = await rows(sessionmaker, wc.a, Answer)
    # votes: up, the same again takes it back, down switches; never on one's own post
    for value, score in (("1", 1), ("1", 0), ("-1", -1), ("1", 1)):
        await post_form(helper, f"{BASE}questions/{qid}/vote", {"value": value})
        [q] = await rows(sessionmaker, wc.a, Question)
        assert q.score == score
    own = await post_form(helper, f"{BASE}answers/{answer.id}/vote", {"value": "1"})
    assert own.status_code == 409 and "eigen bericht" in own.text
    bad = await post_form(helper, f"{BASE}answers/{answer.id}/vote", {"value": "5"})
    assert bad.status_code == 422
    # only the asker (or staff) accepts an answer
    refused = await post_form(helper, f"{BASE}questions/{qid}/accept", {"answer_id": str(answer.id)})
    assert refused.status_code == 403
    assert len(await rows(sessionmaker, wc.a, Vote)) == 1
    await post_form(client, f"{BASE}answers/{answer.id}/vote", {"value": "1"})
    staff = await staff_browser(client, wc)
    response = await post_form(staff, f"{BASE}questions/{qid}/answers", {"body": "Klopt, en bel ons als het "
                                                                                "niet lukt."},
                               follow_redirects=False)
    assert response.status_code == 303
    answers = {a.body[:4]: a for a in await rows(sessionmaker, wc.a, Answer)}
    assert answers["Via "].customer_id is not None and answers["Klop"].user_id is not None
    assert answers["Klop"].status == "published"
    await post_form(client, f"{BASE}questions/{qid}/accept", {"answer_id": str(answers["Via "].id)})
    [q] = await rows(sessionmaker, wc.a, Question)
    assert q.accepted_answer_id == answers["Via "].id and q.answer_count == 2
    page = await client.get(f"{BASE}questions/{qid}")
    assert "geaccepteerd antwoord" in page.text and "medewerker" in page.text
    assert page.text.index("Via de app") < page.text.index("Klopt, en bel ons")  # accepted first
    bad_accept = await post_form(client, f"{BASE}questions/{qid}/accept", {"answer_id": "not-an-id"})
    assert bad_accept.status_code == 422 and "geldige" in bad_accept.text
    # accepting another moves the mark
    await post_form(client, f"{BASE}questions/{qid}/accept", {"answer_id": str(answers["Klop"].id)})
    flags = {a.body[:4]: a.is_accepted for a in await rows(sessionmaker, wc.a, Answer)}
    assert flags == {"Via ": False, "Klop": True}
    assert "opgelost" in (await client.get(f"{BASE}?state=solved")).text
    bad_filter = await client.get(f"{BASE}?state=everything")
    assert bad_filter.status_code == 422 and "Kies een van" in bad_filter.text


async def test_ambassador_badge_and_blocking(wc: World, client: Any, app: Any,
                                            sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await sign_in(client, app, "henk@example.nl", "Henk")
    waiting = question_id(await ask(client, "Waarom is mijn rekening hoger dan vorig jaar?"))
    [customer] = await rows(sessionmaker, wc.a, Customer)
    staff = await staff_browser(client, wc)
    await post_form(staff, f"{BASE}customers/{customer.id}/badges", {"change": "ambassador", "on": "1"})
    assert "ambassadeur" in (await client.get(f"{BASE}questions/{waiting}")).text
    bad = await post_form(staff, f"{BASE}customers/{customer.id}/badges", {"change": "crown", "on": "1"})
    assert bad.status_code == 422
    await post_form(staff, f"{BASE}customers/{customer.id}/badges", {"change": "block", "on": "1"})
    [q] = await rows(sessionmaker, wc.a, Question)
    assert q.status == "rejected"  # what a blocked customer still had waiting goes
    # blocked: signed out in effect, and a new link is not mailed (the form answers the same)
    response = await ask(client, "Mag ik nog iets vragen, alsjeblieft?")
    assert response.status_code == 303 and "/signin" in response.headers["location"]
    before = len(await delivered_mails(app))
    assert (await ask_link(client, "henk@example.nl")).status_code == 200
    assert len(await delivered_mails(app)) == before


async def test_the_community_profile_is_made_on_the_first_post_with_the_customers_id(
        wc: World, client: Any, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await sign_in(client, app, "joke@example.nl", "Joke")
    [customer] = await rows(sessionmaker, wc.a, Customer)
    assert await rows(sessionmaker, wc.a, CommunityProfile) == []  # signing in alone makes none
    staff = await staff_browser(client, wc)
    no_profile = await post_form(staff, f"{BASE}customers/{customer.id}/badges", {"change": "ambassador", "on": "1"})
    assert no_profile.status_code == 404
    question_id(await ask(client, "Hoe lees ik mijn slimme meter uit?"))
    [profile] = await rows(sessionmaker, wc.a, CommunityProfile)
    assert profile.id == customer.id and not profile.is_ambassador
    assert profile.display_name == "Joke" and profile.email == "joke@example.nl"
    question_id(await ask(client, "En hoe vaak mag ik hem uitlezen?"))
    assert len(await rows(sessionmaker, wc.a, CommunityProfile)) == 1


# -- question → case ------------------------------------------------------------------------------------------

async def test_unanswered_question_becomes_a_case_once(wc: World, client: Any, app: Any,
                                                       sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await set_mode(sessionmaker, wc.a, "none")
    await sign_in(client, app, "ina@example.nl", "Ina")
    qid = question_id(await ask(client, "Mijn storing is na drie dagen nog niet opgelost", "Wie helpt me?"))
    # a customer cannot make a case
    assert (await post_form(client, f"{BASE}questions/{qid}/case", {}, follow_redirects=False)).status_code in (
        303, 401, 403)
    staff = await staff_browser(client, wc)
    assert "Mijn storing is na drie dagen" in (await staff.get(f"{BASE}moderation/")).text
    response = await post_form(staff, f"{BASE}questions/{qid}/case", {}, follow_redirects=False)
    assert response.status_code == 303 and "/p/webcare/cases/" in response.headers["location"]
    again = await post_form(staff, f"{BASE}questions/{qid}/case", {}, follow_redirects=False)
    assert again.headers["location"] == response.headers["location"]
    [case] = await rows(sessionmaker, wc.a, Case)
    assert case.channel == "community" and case.subject == "Mijn storing is na drie dagen nog niet opgelost"
    assert case.author_handle == "ina@example.nl" and case.url.endswith(f"/community/questions/{qid}")
    [q] = await rows(sessionmaker, wc.a, Question)
    assert q.case_id == case.id
    case_page = await staff.get(response.headers["location"])
    assert case_page.status_code == 200 and "Wie helpt me?" in case_page.text


async def test_mail_and_pages_in_english(wc: World, client: Any, app: Any) -> None:
    await post_form(client, "/lang", {"lang": "en", "next": BASE})
    page = await client.get(BASE)
    assert "Community of" in page.text and "Sign in to ask or answer" in page.text
    await ask_link(client, "jan@example.nl")
    [mail] = [m for m in await delivered_mails(app) if m["to"] == "jan@example.nl"]
    assert mail["subject"].startswith("Sign in to the community of") and "within 30 minutes" in mail["text"]


def _uuid(text: str) -> Any:
    from uuid import UUID

    return UUID(text)


async def staff_browser(client: Any, world: World) -> Browser:
    """A second browser: a member of the service department (webcare's owner), signed in as staff."""
    staff = Browser(client)
    await login_as(staff, world.a, "agent")
    return staff


async def test_staff_answers_follow_the_policy_and_wait_for_a_colleague_in_a_crisis(
        wc: World, client: Any, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    from plugins.webcare.models import Crisis
    from plugins.webcare.replies.service import initials_of
    from tests.plugins.webcare.test_replies import publish

    await publish(sessionmaker, wc.a)  # forbidden "waardeloos", sign-off "^{initials}"
    await set_mode(sessionmaker, wc.a, "none")
    await sign_in(client, app, "jet@example.nl", "Jet")
    qid = question_id(await ask(client, "Waarom is de app vandaag zo traag?"))
    staff = await staff_browser(client, wc)
    initials = initials_of(wc.a.users["agent"].name)
    bad = await post_form(staff, f"{BASE}questions/{qid}/answers", {"body": f"Die app is waardeloos. ^{initials}"})
    assert bad.status_code == 422 and "waardeloos" in bad.text
    unsigned = await post_form(staff, f"{BASE}questions/{qid}/answers", {"body": "We kijken ernaar."})
    assert unsigned.status_code == 422 and await rows(sessionmaker, wc.a, Answer) == []
    # in a crisis a staff answer waits; its author cannot approve it, a colleague can
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            session.add(Crisis(title="Storing", started_at=utcnow()))
    response = await post_form(staff, f"{BASE}questions/{qid}/answers",
                               {"body": f"We werken aan een oplossing. ^{initials}"}, follow_redirects=False)
    assert response.status_code == 303
    [waiting] = await rows(sessionmaker, wc.a, Answer)
    assert (waiting.status, waiting.spam_reasons) == ("pending", ["approval"])
    assert "We werken aan een oplossing" not in (await Browser(client).get(f"{BASE}questions/{qid}")).text
    own = await post_form(staff, f"{BASE}moderation/answer/{waiting.id}", {"decision": "approve"})
    assert own.status_code == 409 and "collega" in own.text
    colleague = Browser(client)
    await login_as(colleague, wc.a, "regie")
    approved = await post_form(colleague, f"{BASE}moderation/answer/{waiting.id}", {"decision": "approve"},
                               follow_redirects=False)
    assert approved.status_code == 303
    assert "We werken aan een oplossing" in (await Browser(client).get(f"{BASE}questions/{qid}")).text


async def test_public_pages_show_only_their_own_tenants_community(
        wc: World, client: Any, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Every public page under tenant b's slug, for an anonymous visitor and for a customer of tenant a: none shows
    a's questions, answers or customers; a's sign-in link does not work under b's slug."""
    await set_mode(sessionmaker, wc.a, "none")
    await sign_in(client, app, "kim@example.nl", "Kim Acme")
    qid = question_id(await ask(client, "Geheime vraag van een Acme-klant", "Alleen voor Acme"))
    await post_form(client, f"{BASE}questions/{qid}/answers", {"body": "Antwoord van een Acme-klant"})
    other = "/t/globex/p/webcare/community/"
    markers = ("Geheime vraag", "Alleen voor Acme", "Antwoord van een Acme-klant", "Kim Acme", "kim@example.nl")
    for who in (client, Browser(client)):
        for url in (other, f"{other}?q=Geheime", f"{other}?state=unanswered", f"{other}?state=solved",
                    f"{other}signin", f"{other}ask", f"{other}questions/{qid}"):
            response = await who.get(url)
            assert response.status_code in (200, 303, 404), url
            assert not any(m in response.text for m in markers), (url, response.status_code)
    await ask_link(client, "lotte@example.nl")
    token = LINK.search([m for m in await delivered_mails(app) if m["to"] == "lotte@example.nl"][0]["text"]).group(1)
    assert (await client.get(f"{other}signin/{token}")).status_code == 404
    assert (await post_form(client, f"{other}signin/{token}", {})).status_code == 409
    assert await rows(sessionmaker, wc.b, Customer) == []


async def test_search_takes_percent_and_underscore_literally(wc: World, client: Any,
                                                             sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """`%` and `_` in the search box are characters to find, not wildcards matching every question."""
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            for title in ("Korting van 10% op de premie", "Wat is een eigen_risico?", "Eigen risico verhogen",
                          "Pad naar C:\\regie"):
                session.add(Question(title=title, body="", status="published", published_at=utcnow()))
    for search, expected in (("%", {"Korting van 10% op de premie"}), ("_", {"Wat is een eigen_risico?"}),
                             ("eigen_", {"Wat is een eigen_risico?"}), ("\\", {"Pad naar C:\\regie"}),
                             ("eigen risico", {"Eigen risico verhogen"})):
        page = await client.get(BASE, params={"q": search})
        assert page.status_code == 200
        shown = {t for t in ("Korting van 10% op de premie", "Wat is een eigen_risico?", "Eigen risico verhogen",
                             "Pad naar C:\\regie") if t.replace("\\", "&#92;") in page.text or t in page.text}
        assert shown == expected, (search, shown)
