"""The policy's rule that every image in an outward message needs alternative text: set on the policy form and in
the API, shown with the tone rules, applied by the one outward check."""

from __future__ import annotations

from html import unescape

from sqlalchemy import select

from core.db.base import utcnow
from core.plugins.api import check_outward, published_tone_rules
from core.policy.models import PolicyVersion
from core.tenancy.scope import tenant_scope
from tests.support import api_headers, login_as, post_form

URL = "/t/acme/policy/"


async def _versions(sessionmaker, tw) -> list[PolicyVersion]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(PolicyVersion).order_by(PolicyVersion.number))).all())


async def test_the_form_sets_and_clears_the_rule(client, world, sessionmaker):
    await login_as(client, world.a, "marketer")
    base = {"function": "Praten", "forbidden_words": "", "required_signoff": "", "max_length": "x=280"}
    r = await post_form(client, URL, {**base, "alt_text_required": "1"}, follow_redirects=False)
    assert r.status_code == 303
    page = unescape((await client.get(URL + "1")).text)
    assert "Afbeeldingen hebben een alternatieve tekst nodig: ja" in " ".join(page.replace("</strong>", "").split())
    form = await client.get(URL + "new")
    assert 'name="alt_text_required" value="1" checked' in form.text
    await post_form(client, URL, {**base, "function": "Praten en luisteren"})  # the box left unticked
    await post_form(client, URL, {"function": "Alleen de strategie"})  # no tone rules sent: taken over
    v1, v2, v3 = await _versions(sessionmaker, world.a)
    assert (v1.tone_rules["alt_text_required"], v2.tone_rules["alt_text_required"],
            v3.tone_rules["alt_text_required"]) == (True, False, False)


async def test_the_api_sets_the_rule(client, world, sessionmaker):
    headers = await api_headers(sessionmaker, world.a, "regie")
    r = await client.post("/api/v1/t/acme/policy", headers=headers,
                          json={"strategy": {"function": "Praten"}, "tone_rules": {"alt_text_required": True}})
    assert r.status_code in (200, 201) and r.json()["tone_rules"]["alt_text_required"] is True
    r = await client.post("/api/v1/t/acme/policy", headers=headers, json={"strategy": {"function": "Anders"}})
    assert r.json()["tone_rules"]["alt_text_required"] is True  # omitted: taken over


async def test_the_outward_check_reports_images_without_alternative_text(world, sessionmaker):
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            assert (await check_outward(session, "Hallo", image_alts=[""])).ok  # no policy: no rule
            session.add(PolicyVersion(number=1, strategy={"function": "x"}, tone_rules={"alt_text_required": True},
                                      published_at=utcnow()))
            await session.flush()
            check = await check_outward(session, "Hallo", image_alts=["Een kat", " ", ""])
            assert [(f, m.render("nl")) for f, m in check.problems] == [
                ("images", "Het beleid vraagt om een alternatieve tekst bij elke afbeelding; 2 van de 3 hebben er "
                           "geen.")]
            assert (await check_outward(session, "Hallo", image_alts=["Een kat"])).ok
            assert (await check_outward(session, "Hallo")).ok
            assert (await published_tone_rules(session))["alt_text_required"] is True
