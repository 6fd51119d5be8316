"""The weekly digest: who gets it, the settings page, the unsubscribe link without login, the job that sends
once per person and week, and what the mail says (HTML and text, Dutch and English)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from core.auth.models import Membership, User
from core.digest.schedule import due_week, week_label, week_of
from core.jobs.plugin_jobs import run_named_job
from core.measurement.models import DigestDelivery, DigestSubscription, KpiSnapshot, MethodologyVersion, Target
from core.tenancy.scope import tenant_scope
from tests.core.test_gates import activation, add, audit, count, rows
from tests.support import delivered_mails, ensure_csrf, login_as, post_form

WEEK = "2026-W48"
MONDAY = date(2026, 11, 23)
WORKGROUP = {"regie", "marketer", "agent"}
"""The test world's workgroup: seats for marketer and agent, seat and regie appointment for regie."""


async def recipients_of(sessionmaker, tw) -> set[str]:
    from core.digest.service import recipients

    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return {r.user.email for r in await recipients(session)}


async def measured_weeks(sessionmaker, tw) -> None:
    """A methodology with two KPIs; mentions 5 a day in week 47 and 10 a day in week 48, negative share 30 % then
    20 %; a target for mentions over the quarter."""
    await add(sessionmaker, tw, MethodologyVersion(number=3, reason="test", kpis=[
        {"key": "monitoring.volume", "name": "Vermeldingen", "kind": "plugin", "unit": "count"},
        {"key": "monitoring.negative_share", "name": "Negatief aandeel", "kind": "plugin", "unit": "percent"}]))
    now = datetime.now(UTC)
    snaps = []
    for n in range(14):
        day = MONDAY - timedelta(days=7) + timedelta(days=n)
        this_week = n >= 7
        snaps += [KpiSnapshot(kpi="monitoring.volume", day=day, value=10.0 if this_week else 5.0,
                              methodology_number=3, measured_at=now),
                  KpiSnapshot(kpi="monitoring.negative_share", day=day, value=20.0 if this_week else 30.0,
                              methodology_number=3, measured_at=now)]
    await add(sessionmaker, tw, *snaps,
              Target(kpi="monitoring.volume", period_start=date(2026, 10, 1), period_end=date(2026, 12, 31),
                     value=1000, rationale="test"))


async def run_week(app, tw, week: str = WEEK) -> int:
    return await run_named_job(app, "core.digest.weekly", tw.id, week=week)


def mails_to(mails, email):
    return [m for m in mails if m["to"] == email]


# --- who gets it ------------------------------------------------------------------------------------------

async def test_workgroup_gets_it_by_default_and_others_opt_in(client, world, sessionmaker):
    assert await recipients_of(sessionmaker, world.a) == {world.a.email(p) for p in WORKGROUP}
    await login_as(client, world.a, "member")
    page = await client.get("/t/acme/digest/")
    assert page.status_code == 200
    assert "Je ontvangt het weekoverzicht niet." in page.text
    assert "Het staat uit tenzij je het aanzet" in page.text
    r = await post_form(client, "/t/acme/digest/", {"subscribed": "on"}, follow_redirects=False)
    assert r.status_code == 303
    assert "Je ontvangt het weekoverzicht." in (await client.get("/t/acme/digest/")).text
    assert world.a.email("member") in await recipients_of(sessionmaker, world.a)
    [row] = await rows(sessionmaker, world.a, DigestSubscription)
    assert row.subscribed and len(row.token) >= 40
    assert len(await audit(sessionmaker, world.a, "digest.subscribed")) == 1
    # the regie holder turns it off: the default no longer applies
    await login_as(client, world.a, "regie")
    assert "Als lid van de werkgroep krijg je het" in (await client.get("/t/acme/digest/")).text
    await post_form(client, "/t/acme/digest/", {"subscribed": "off"}, follow_redirects=False)
    assert world.a.email("regie") not in await recipients_of(sessionmaker, world.a)
    assert len(await audit(sessionmaker, world.a, "digest.unsubscribed")) == 1
    # a deactivated membership gets nothing, whatever its choice
    with tenant_scope(world.a.id):
        async with sessionmaker() as s, s.begin():
            await s.execute(update(Membership).where(Membership.id == world.a.memberships["marketer"].id)
                            .values(is_active=False))
    assert await recipients_of(sessionmaker, world.a) == {world.a.email("agent"), world.a.email("member")}
    # the other tenant is untouched
    assert await recipients_of(sessionmaker, world.b) == {world.b.email(p) for p in WORKGROUP}


async def test_a_mediator_may_opt_in_for_a_tenant_they_guide(client, world, sessionmaker):
    from tests.support import login

    await login(client, world.mediator.email)
    page = await client.get("/t/acme/digest/")
    assert page.status_code == 200 and "Je ontvangt het weekoverzicht niet." in page.text
    await post_form(client, "/t/acme/digest/", {"subscribed": "on"})
    assert world.mediator.email in await recipients_of(sessionmaker, world.a)
    assert world.mediator.email not in await recipients_of(sessionmaker, world.b)


async def test_a_bad_choice_is_refused_with_its_field_and_changes_nothing(client, world, sessionmaker):
    await login_as(client, world.a, "member")
    for data in ({}, {"subscribed": "maybe"}):
        r = await post_form(client, "/t/acme/digest/", data)
        assert r.status_code == 422
        assert "Kies een van: on, off." in r.text
    assert await count(sessionmaker, world.a, DigestSubscription) == 0


async def test_settings_page_previews_the_digest_in_the_readers_language(client, world, sessionmaker):
    await measured_weeks(sessionmaker, world.a)
    await login_as(client, world.a, "marketer")
    page = (await client.get("/t/acme/digest/")).text
    assert "Voorbeeld" in page and "Weekoverzicht van Acme BV" in page and "KPI-bewegingen" in page
    assert "Vermeldingen" in page and "Open punten van de fasepoort" in page
    await _english(sessionmaker, world.a, "marketer")
    page = (await client.get("/t/acme/digest/")).text
    assert "Preview" in page and "Weekly digest of Acme BV" in page and "Open gate items" in page


# --- the unsubscribe link ----------------------------------------------------------------------------------

async def test_unsubscribe_link_works_without_login_and_only_by_post(app, client, world, sessionmaker):
    await run_week(app, world.a)
    mails = await delivered_mails(app)
    [mail] = mails_to(mails, world.a.email("agent"))
    [row] = await rows(sessionmaker, world.a, DigestSubscription, DigestSubscription.user_id
                       == world.a.users["agent"].id)
    link = f"/t/acme/digest/unsubscribe/{row.token}"
    assert f"http://127.0.0.1:8000{link}" in mail["text"] and f'href="http://127.0.0.1:8000{link}"' in mail["html"]
    client.cookies.clear()
    page = await client.get(link)  # what a mail scanner's prefetch does: nothing changes
    assert page.status_code == 200 and "Afmelden" in page.text and 'method="post"' in page.text
    await client.get(link)
    assert world.a.email("agent") in await recipients_of(sessionmaker, world.a)
    r = await client.post(link, data={"_csrf_token": await ensure_csrf(client)})
    assert r.status_code == 200 and "Je bent afgemeld." in r.text
    assert world.a.email("agent") not in await recipients_of(sessionmaker, world.a)
    [entry] = await audit(sessionmaker, world.a, "digest.unsubscribed")
    assert entry.actor_label == f"{world.a.email('agent')} (unsubscribe link)"
    # a second POST is harmless; a POST without the CSRF token is refused
    assert (await client.post(link, data={"_csrf_token": await ensure_csrf(client)})).status_code == 200
    assert (await client.post(link, data={})).status_code == 403
    # a wrong token, or the token under another tenant's address: the friendly not-found page
    for bad in ("/t/acme/digest/unsubscribe/not-a-token", f"/t/globex/digest/unsubscribe/{row.token}"):
        page = await client.get(bad)
        assert page.status_code == 404 and "Deze afmeldlink is niet geldig." in page.text
        r = await client.post(bad, data={"_csrf_token": await ensure_csrf(client)})
        assert r.status_code == 404 and "Deze afmeldlink is niet geldig." in r.text
    assert len(await audit(sessionmaker, world.a, "digest.unsubscribed")) == 1


# --- the job ------------------------------------------------------------------------------------------------

async def test_job_sends_once_per_person_and_week_even_when_run_twice(app, client, world, sessionmaker):
    await login_as(client, world.a, "member")
    await post_form(client, "/t/acme/digest/", {"subscribed": "on"})
    await login_as(client, world.a, "agent")
    await post_form(client, "/t/acme/digest/", {"subscribed": "off"})
    assert await run_week(app, world.a) == 3
    assert await run_week(app, world.a) == 0
    mails = await delivered_mails(app)
    expected = {world.a.email(p) for p in ("regie", "marketer", "member")}
    assert sorted(m["to"] for m in mails) == sorted(expected)
    deliveries = await rows(sessionmaker, world.a, DigestDelivery)
    assert {d.week for d in deliveries} == {WEEK} and len(deliveries) == 3
    # every digest row now has a token, created with the first mail
    subs = await rows(sessionmaker, world.a, DigestSubscription)
    assert len({s.token for s in subs}) == len(subs) == 4
    # the next week is a new digest; the other tenant has had none
    assert await run_week(app, world.a, "2026-W49") == 3
    assert await count(sessionmaker, world.b, DigestDelivery) == 0


async def test_a_delivery_already_recorded_by_another_run_is_not_sent_again(app, world, sessionmaker):
    """The unique key is the guard: a row written by a concurrent run means no second mail."""
    await add(sessionmaker, world.a, DigestDelivery(user_id=world.a.users["regie"].id, week=WEEK,
                                                    sent_at=datetime.now(UTC), lang="nl"))
    assert await run_week(app, world.a) == 2
    mails = await delivered_mails(app)
    assert {m["to"] for m in mails} == {world.a.email("marketer"), world.a.email("agent")}


async def test_a_run_that_loses_the_race_on_the_unique_key_skips_that_person(app, world, sessionmaker, monkeypatch):
    """Another run commits the regie holder's delivery after this run read the week's deliveries: the insert
    fails on the unique key inside its savepoint, that person is skipped, the others still get their mail."""
    from core.digest import jobs, service

    async def racing(session):
        found = await service.recipients(session)
        with tenant_scope(world.a.id):
            async with sessionmaker() as other, other.begin():
                other.add(DigestDelivery(user_id=world.a.users["regie"].id, week=WEEK, sent_at=datetime.now(UTC)))
        return found

    monkeypatch.setattr(jobs, "recipients", racing)
    assert await run_week(app, world.a) == 2
    mails = await delivered_mails(app)
    assert sorted(m["to"] for m in mails) == sorted([world.a.email("marketer"), world.a.email("agent")])
    assert await count(sessionmaker, world.a, DigestDelivery) == 3


async def test_the_scheduled_run_sends_monday_from_seven_amsterdam_time(app, world, sessionmaker):
    # Monday 30 November 2026 06:59 in Amsterdam (05:59 UTC): week 48 is not due yet, week 47 was
    before = datetime(2026, 11, 30, 5, 59, tzinfo=UTC)
    assert week_label(due_week(before)) == "2026-W47"
    assert week_label(due_week(before + timedelta(minutes=1))) == WEEK
    assert week_label(due_week(datetime(2026, 12, 6, 22, 0, tzinfo=UTC))) == WEEK  # Sunday night: catch-up
    assert week_of(WEEK) == MONDAY
    sent = await run_named_job(app, "core.digest.weekly", world.a.id, now=(before + timedelta(hours=1)).isoformat())
    assert sent == 3
    assert {d.week for d in await rows(sessionmaker, world.a, DigestDelivery)} == {WEEK}
    later = await run_named_job(app, "core.digest.weekly", world.a.id, now="2026-12-02T12:00:00+00:00")
    assert later == 0


# --- the content ----------------------------------------------------------------------------------------------

async def _english(sessionmaker, tw, who):
    async with sessionmaker() as s, s.begin():
        await s.execute(update(User).where(User.id == tw.users[who].id).values(locale="en"))


async def test_mail_has_kpi_movements_targets_and_open_gate_items_in_html_and_text(app, world, sessionmaker):
    await measured_weeks(sessionmaker, world.a)
    await _english(sessionmaker, world.a, "marketer")
    await run_week(app, world.a)
    mails = await delivered_mails(app)
    [nl] = mails_to(mails, world.a.email("regie"))
    [en] = mails_to(mails, world.a.email("marketer"))
    assert nl["subject"] == "Acme BV: weekoverzicht 2026-W48"
    assert en["subject"] == "Acme BV: weekly digest 2026-W48"
    # mentions: 35 in week 47, 70 in week 48 (summed); negative share 30 % → 20 % (averaged), better when lower
    text = nl["text"]
    assert "Vermeldingen: 70 (vorige week 35, +35 / +100 %)" in text
    assert "Negatief aandeel: 20 % (vorige week 30 %, −10 pt)" in text  # a share moves in points
    assert "Gemeten met methodiekversie 3." in text
    assert "Doel 1.000 voor 1 okt 2026 tot 31 dec 2026" in text
    assert "Fase: luisteren. Om door te gaan naar pilot moeten deze punten nog kloppen:" in text
    assert "- Vertrekpunten goedgekeurd en onderschreven:" in text
    assert "- Er is een nulmeting:" in text
    assert "Minstens twee afdelingen in de werkgroep" not in text  # that item holds: not listed
    html = nl["html"]
    assert "<td>Vermeldingen" in html and ">70</td>" in html and "+35 (+100 %)" in html
    assert "color: #1d7b3a;" in html and "color: #b42318;" not in html.split("Negatief aandeel")[1][:400]
    assert "Vertrekpunten goedgekeurd en onderschreven" in html
    assert 'href="http://127.0.0.1:8000/t/acme/starting-points/"' in html
    assert "methodiekversie 3" in html
    # the English reader gets everything in English
    assert "Vermeldingen: 70 (previous week 35, +35 / +100 %)" in en["text"]  # the methodology's own KPI name
    assert "Phase: listening. To move on to pilot, these items must still hold:" in en["text"]
    assert "- Starting points approved and acknowledged:" in en["text"]
    assert "Unsubscribe from the weekly digest: http://127.0.0.1:8000/t/acme/digest/unsubscribe/" in en["text"]
    assert "<html lang=\"en\">" in en["html"] and "Open gate items" in en["html"]
    [delivery] = await rows(sessionmaker, world.a, DigestDelivery, DigestDelivery.user_id
                            == world.a.users["marketer"].id)
    assert delivery.lang == "en"


async def test_without_methodology_the_mail_says_so_and_the_text_is_not_html(app, world, sessionmaker):
    await run_week(app, world.a)
    [mail] = mails_to(await delivered_mails(app), world.a.email("regie"))
    assert "Er is nog geen methodiek gekozen" in mail["text"]
    assert "<" not in mail["text"].replace("<http", "")
    assert "Niets van de actieve functies deze week." in mail["text"]


async def test_active_plugins_add_their_highlights(app, world, sessionmaker):
    """monitoring (buzz, alerts) and webcare (cases, SLA) through `regie_digest`; the core reads no plugin table."""
    from plugins.monitoring.models import Alert, SearchProfile
    from plugins.webcare.models import Case, Crisis

    await activation(sessionmaker, world.a, "monitoring")
    await activation(sessionmaker, world.a, "webcare", dep="service")
    profile = SearchProfile(name="Merk", query="acme")
    await add(sessionmaker, world.a, profile)
    started = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    await add(sessionmaker, world.a, Alert(profile_id=profile.id, kind="volume", status="open", started_at=started,
                                           last_seen_at=started, window_start=started, observed=84, baseline=9,
                                           peak=84, details={"window_minutes": 60}))
    # webcare: crisis mode on, and a case opened in the week whose first-response deadline has passed
    await add(sessionmaker, world.a, Crisis(title="Storing", started_at=started),
              Case(number=1, subject="Bestelling kwijt", status="open", priority="high", opened_at=started,
                   last_message_at=started, first_response_due=started + timedelta(hours=1),
                   resolution_due=started + timedelta(hours=8)))
    await run_week(app, world.a)
    [mail] = mails_to(await delivered_mails(app), world.a.email("regie"))
    text = mail["text"]
    assert "- Alert: Volumepiek: Merk: 84 vermeldingen in 60 min, normaal 9 (nog open)" in text
    assert "Buzz: 0 vermeldingen" in text
    assert "- Alert: De crisismodus staat aan <http://127.0.0.1:8000/t/acme/p/webcare/crisis/>" in text
    assert "- Alert: 1 open case is over een SLA-termijn heen" in text  # one case: the singular
    assert "Webcare: 1 cases geopend, eerste reactie — (mediaan), — van de afgeronde cases binnen SLA; nu 1 open" \
        in text
    assert text.index("Alert:") < text.index("Buzz:")  # alerts first
    with tenant_scope(world.a.id):
        async with sessionmaker() as s:
            alert_id = (await s.scalar(select(Alert.id)))
    assert f'href="http://127.0.0.1:8000/t/acme/p/monitoring/alerts/{alert_id}"' in mail["html"]


async def test_a_failing_plugin_costs_only_its_own_lines(app, world, sessionmaker):
    """A plugin whose `regie_digest` raises is left out; the mail still goes, with the other plugins' lines."""
    from core.plugins.api import PluginInfo, hookimpl

    class Failing:
        @hookimpl
        def regie_plugin(self) -> PluginInfo:
            return PluginInfo(name="failing", groundswell_function="talking", default_owner="marketing")

        @hookimpl
        async def regie_digest(self, ctx, week_start, week_end):
            raise RuntimeError("the plugin's service is down")

    await activation(sessionmaker, world.a, "monitoring")
    await activation(sessionmaker, world.a, "failing", dep="marketing")
    app.state.pm.register(Failing(), name="failing")
    try:
        await run_week(app, world.a)
    finally:
        app.state.pm.unregister(name="failing")
    [mail] = mails_to(await delivered_mails(app), world.a.email("regie"))
    assert "Buzz: 0 vermeldingen" in mail["text"]
