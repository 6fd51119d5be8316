"""Sentiment corrections: single, per part and bulk (web and API), all or nothing, the counts they move, the
classifier learning from them per tenant, its measured (test-then-train) accuracy, and the classify API."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit.models import AuditEntry
from core.tenancy.scope import tenant_scope
from plugins.monitoring.models import ALL_PROFILES, ClassifierState, HourStat, Mention, SentimentCorrection
from tests.plugins.monitoring.test_mentions import BASE, add_mentions, api, setup_tenant, web
from tests.support import TenantWorld, World, api_headers, login_as, post_form

SARCASM = ["Geweldig, weer een uur in de wacht bij Acme", "Geweldig hoor, alweer in de wacht bij de klantenservice",
           "Super, weer een uur in de wacht gestaan", "Geweldig, weer in de wacht bij de helpdesk van Acme",
           "Top hoor, weer een uur in de wacht", "Geweldig, alweer een half uur in de wacht bij Acme"]
PROBE = "Geweldig, weer in de wacht bij Acme"


async def mentions(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> dict[UUID, Mention]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return {m.id: m for m in (await session.scalars(select(Mention))).all()}


async def corrections(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> list[SentimentCorrection]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(SentimentCorrection)
                                               .order_by(SentimentCorrection.created_at))).all())


async def audit(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> list[AuditEntry]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(AuditEntry).where(
                AuditEntry.action.like("monitoring.sentiment.%")))).all())


async def hour_counts(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> dict[tuple, int]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            rows = (await session.execute(select(HourStat.profile_key, HourStat.sentiment,
                                                 func.sum(HourStat.mentions))
                                          .group_by(HourStat.profile_key, HourStat.sentiment))).all()
    return {(k, s): int(n) for k, s, n in rows if n}


async def learned(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> int:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return await session.scalar(select(ClassifierState.learned)) or 0


async def test_single_correction_via_web_moves_counts_and_is_recorded(client: Any, sessionmaker: Any,
                                                                      mon: World) -> None:
    s = await setup_tenant(sessionmaker, mon.a)
    ids = await add_mentions(sessionmaker, mon.a, s.source, [
        {"title": SARCASM[0], "body": "Niemand neemt op.", "sentiment": "positive", "profiles": (s.profile,),
         "author_reach": 100},
        {"title": "Iets anders", "sentiment": "positive"}])
    folded = await add_mentions(sessionmaker, mon.a, s.source, [
        {"title": SARCASM[0], "body": "Niemand neemt op.", "sentiment": "positive", "duplicate_of_id": ids[0]}])
    assert await hour_counts(sessionmaker, mon.a) == {(ALL_PROFILES, "positive"): 2, (s.profile, "positive"): 1}

    await login_as(client, mon.a, "member")
    response = await post_form(client, web(mon.a, f"{ids[0]}/sentiment"), {"label": "negative"},
                               follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == web(mon.a, str(ids[0]))
    after = await mentions(sessionmaker, mon.a)
    m = after[ids[0]]
    assert (m.sentiment, m.sentiment_score, m.sentiment_by) == ("negative", -1.0, "person")
    assert m.sentiment_parts["title"]["by"] == "model"  # the parts keep the model's reading
    assert (after[folded[0]].sentiment, after[folded[0]].sentiment_by) == ("negative", "person")  # its fold follows
    assert after[ids[1]].sentiment == "positive"
    [c] = await corrections(sessionmaker, mon.a)
    assert (c.part, c.old_label, c.new_label, c.predicted_label, c.language) == (
        "overall", "positive", "negative", "positive", "nl")
    assert c.text == f"{SARCASM[0]}\nNiemand neemt op." and c.user_id == mon.a.users["member"].id
    assert await learned(sessionmaker, mon.a) == 1
    assert await hour_counts(sessionmaker, mon.a) == {
        (ALL_PROFILES, "positive"): 1, (ALL_PROFILES, "negative"): 1, (s.profile, "negative"): 1}
    [entry] = await audit(sessionmaker, mon.a)
    assert entry.action == "monitoring.sentiment.corrected" and entry.subject_id == str(ids[0])

    detail = await client.get(web(mon.a, str(ids[0])))
    assert "Correctiegeschiedenis" in detail.text and "Member Acme BV" in detail.text
    assert "door een persoon" in detail.text

    # correcting the folded copy itself moves no counts (it is not counted)
    await post_form(client, web(mon.a, f"{folded[0]}/sentiment"), {"label": "neutral"})
    assert (await hour_counts(sessionmaker, mon.a))[(ALL_PROFILES, "negative")] == 1
    assert (await mentions(sessionmaker, mon.a))[folded[0]].sentiment == "neutral"


async def test_confirmation_is_a_sample_and_moves_nothing(client: Any, sessionmaker: Any, mon: World) -> None:
    s = await setup_tenant(sessionmaker, mon.a)
    [mid] = await add_mentions(sessionmaker, mon.a, s.source, [{"title": "Acme is verschrikkelijk slecht",
                                                                 "sentiment": "negative"}])
    before = await hour_counts(sessionmaker, mon.a)
    h = await api_headers(sessionmaker, mon.a, "member")
    response = await client.post(api(mon.a, f"mentions/{mid}/sentiment"), json={"label": "negative"}, headers=h)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sentiment"] == {"label": "negative", "score": -1.0, "by": "person"}
    assert [(c["old_label"], c["new_label"], c["predicted_label"]) for c in body["corrections"]] == [
        ("negative", "negative", "negative")]
    assert await hour_counts(sessionmaker, mon.a) == before
    assert await learned(sessionmaker, mon.a) == 1


async def test_part_correction_web_and_api(client: Any, sessionmaker: Any, mon: World) -> None:
    s = await setup_tenant(sessionmaker, mon.a)
    [mid] = await add_mentions(sessionmaker, mon.a, s.source, [
        {"title": "Acme wint prijs", "lead": "", "body": "Maar de klanten zijn boos.", "sentiment": "positive"}])
    await login_as(client, mon.a, "member")
    ok = await post_form(client, web(mon.a, f"{mid}/sentiment"), {"label": "negative", "part": "body"},
                         follow_redirects=False)
    assert ok.status_code == 303
    m = (await mentions(sessionmaker, mon.a))[mid]
    assert m.sentiment_parts["body"] == {"label": "negative", "score": -1.0, "by": "person"}
    assert m.sentiment_parts["title"]["by"] == "model" and (m.sentiment, m.sentiment_by) == ("positive", "model")
    [c] = await corrections(sessionmaker, mon.a)
    assert (c.part, c.text) == ("body", "Maar de klanten zijn boos.")

    empty = await post_form(client, web(mon.a, f"{mid}/sentiment"), {"label": "negative", "part": "lead"})
    assert empty.status_code == 422 and "Dit deel van de vermelding heeft geen tekst." in empty.text
    bad = await post_form(client, web(mon.a, f"{mid}/sentiment"), {"label": "boos"})
    assert bad.status_code == 422 and "Kies een van" in bad.text

    h = await api_headers(sessionmaker, mon.a, "member")
    response = await client.post(api(mon.a, f"mentions/{mid}/sentiment"), json={"label": "positive", "part": "title"},
                                 headers=h)
    assert response.status_code == 200
    assert response.json()["parts"]["title"] == {"label": "positive", "score": 1.0, "by": "person"}
    wrong = await client.post(api(mon.a, f"mentions/{mid}/sentiment"), json={"label": "positive", "part": "footer"},
                              headers=h)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "part"
    assert len(await corrections(sessionmaker, mon.a)) == 2 and await learned(sessionmaker, mon.a) == 2


async def test_bulk_correction_via_web(client: Any, sessionmaker: Any, mon: World) -> None:
    s = await setup_tenant(sessionmaker, mon.a)
    ids = await add_mentions(sessionmaker, mon.a, s.source, [
        {"title": f"Bericht {n}", "sentiment": "neutral", "profiles": (s.profile,)} for n in range(4)])
    await login_as(client, mon.a, "member")
    page = await client.get(web(mon.a), params={"sentiment": "neutral"})
    assert 'action="/t/acme/p/monitoring/mentions/bulk-correct"' in page.text and 'name="ids"' in page.text
    response = await post_form(client, web(mon.a, "bulk-correct"),
                               {"ids": [str(ids[0]), str(ids[2]), str(ids[3])], "label": "negative",
                                "back": "sentiment=neutral&page=1&evil=x"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == web(mon.a) + "?sentiment=neutral&page=1"
    labels = {i: m.sentiment for i, m in (await mentions(sessionmaker, mon.a)).items()}
    assert labels == {ids[0]: "negative", ids[1]: "neutral", ids[2]: "negative", ids[3]: "negative"}
    assert await hour_counts(sessionmaker, mon.a) == {
        (ALL_PROFILES, "neutral"): 1, (ALL_PROFILES, "negative"): 3, (s.profile, "neutral"): 1,
        (s.profile, "negative"): 3}
    [entry] = await audit(sessionmaker, mon.a)
    assert entry.action == "monitoring.sentiment.corrected_bulk" and entry.data["count"] == 3
    assert await learned(sessionmaker, mon.a) == 3

    nothing = await post_form(client, web(mon.a, "bulk-correct"), {"label": "negative"})
    assert nothing.status_code == 422 and "Selecteer minstens één vermelding." in nothing.text


async def test_quick_row_correction_answers_with_the_row(client: Any, sessionmaker: Any, mon: World) -> None:
    s = await setup_tenant(sessionmaker, mon.a)
    [mid] = await add_mentions(sessionmaker, mon.a, s.source, [{"title": "Acme rijdt weer", "sentiment": "neutral"}])
    await login_as(client, mon.a, "member")
    page = await client.get(web(mon.a))
    assert f'hx-post="{web(mon.a, f"{mid}/sentiment/row")}"' in page.text
    row = await post_form(client, web(mon.a, f"{mid}/sentiment/row"), {"label": "positive"},
                          headers={"HX-Request": "true"})
    assert row.status_code == 200
    assert row.text.strip().startswith(f'<tr id="mention-{mid}"') and "<html" not in row.text
    assert "positief" in row.text and "door een persoon" in row.text
    bad = await post_form(client, web(mon.a, f"{mid}/sentiment/row"), {"label": "x"})
    assert bad.status_code == 422 and bad.text.strip().startswith("<tr") and "Kies een van" in bad.text
    # without htmx the same button posts the list's form to the plain URL and comes back to the list
    plain = await post_form(client, web(mon.a, f"{mid}/sentiment"), {"label": "negative", "back": "q=acme"},
                            follow_redirects=False)
    assert plain.headers["location"] == web(mon.a) + "?q=acme"
    assert (await mentions(sessionmaker, mon.a))[mid].sentiment == "negative"


async def test_bulk_api_is_all_or_nothing(client: Any, sessionmaker: Any, mon: World) -> None:
    s = await setup_tenant(sessionmaker, mon.a)
    ids = await add_mentions(sessionmaker, mon.a, s.source, [{"title": f"Bericht {n}"} for n in range(3)])
    sb = await setup_tenant(sessionmaker, mon.b)
    [foreign] = await add_mentions(sessionmaker, mon.b, sb.source, [{"title": "Globex"}])
    h = await api_headers(sessionmaker, mon.a, "member")
    url = api(mon.a, "mentions/sentiment")
    before = await hour_counts(sessionmaker, mon.a)
    for ids_sent in ([str(ids[0]), str(foreign)], [str(ids[1]), str(uuid4())]):
        response = await client.post(url, json={"ids": ids_sent, "label": "negative"}, headers=h)
        assert response.status_code == 404
    too_many = await client.post(url, json={"ids": [str(uuid4()) for _ in range(501)], "label": "negative"},
                                 headers=h)
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "ids"
    bad_label = await client.post(url, json={"ids": [str(ids[0])], "label": "furious"}, headers=h)
    assert bad_label.status_code == 422 and bad_label.json()["errors"][0]["field"] == "label"
    malformed = await client.post(url, json={"ids": ["not-an-id"], "label": "negative"}, headers=h)
    assert malformed.status_code == 422 and malformed.json()["errors"][0]["field"] == "ids"
    assert {m.sentiment for m in (await mentions(sessionmaker, mon.a)).values()} == {"neutral"}
    assert await corrections(sessionmaker, mon.a) == [] and await learned(sessionmaker, mon.a) == 0
    assert await hour_counts(sessionmaker, mon.a) == before and await audit(sessionmaker, mon.a) == []
    assert (await mentions(sessionmaker, mon.b))[foreign].sentiment == "neutral"

    ok = await client.post(url, json={"ids": [str(i) for i in ids], "label": "positive"}, headers=h)
    assert ok.status_code == 200 and ok.json() == {"corrected": 3, "label": "positive", "changed": 3}
    assert await hour_counts(sessionmaker, mon.a) == {(ALL_PROFILES, "positive"): 3}


async def test_viewer_reads_but_cannot_correct(client: Any, sessionmaker: Any, mon: World) -> None:
    s = await setup_tenant(sessionmaker, mon.a)
    [mid] = await add_mentions(sessionmaker, mon.a, s.source, [{"title": "Acme", "sentiment": "neutral"}])
    await login_as(client, mon.a, "viewer")
    assert (await client.get(web(mon.a, str(mid)))).status_code == 200
    assert (await client.get(web(mon.a, "accuracy"))).status_code == 200
    for path, data in ((f"{mid}/sentiment", {"label": "negative"}), (f"{mid}/sentiment/row", {"label": "negative"}),
                       ("bulk-correct", {"ids": str(mid), "label": "negative"})):
        assert (await post_form(client, web(mon.a, path), data)).status_code == 403
    h = await api_headers(sessionmaker, mon.a, "viewer")
    assert (await client.get(api(mon.a, f"mentions/{mid}"), headers=h)).status_code == 200
    assert (await client.post(api(mon.a, f"mentions/{mid}/sentiment"), json={"label": "negative"},
                              headers=h)).status_code == 403
    assert (await client.post(api(mon.a, "mentions/sentiment"), json={"ids": [str(mid)], "label": "negative"},
                              headers=h)).status_code == 403
    assert (await client.post(api(mon.a, "classify"), json={"texts": ["De klantenservice van Acme is top"]},
                              headers=h)).status_code == 200
    assert (await mentions(sessionmaker, mon.a))[mid].sentiment == "neutral"
    assert await corrections(sessionmaker, mon.a) == []


async def test_learning_from_corrections_changes_later_predictions_per_tenant(client: Any, sessionmaker: Any,
                                                                              mon: World) -> None:
    s = await setup_tenant(sessionmaker, mon.a)
    ids = await add_mentions(sessionmaker, mon.a, s.source, [{"title": t, "sentiment": "positive"} for t in SARCASM])
    ha = await api_headers(sessionmaker, mon.a, "member")
    hb = await api_headers(sessionmaker, mon.b, "member")

    async def classify(tw: TenantWorld, headers: dict[str, str]) -> dict[str, Any]:
        response = await client.post(api(tw, "classify"), json={"texts": [PROBE]}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()[0]

    assert (await classify(mon.a, ha))["label"] == "positive"  # the sarcasm fools the out-of-the-box model
    assert (await classify(mon.b, hb))["label"] == "positive"
    await login_as(client, mon.a, "member")
    for mid in ids[:2]:
        assert (await post_form(client, web(mon.a, f"{mid}/sentiment"), {"label": "negative"})).status_code == 200
    for _ in range(2):  # people keep confirming the sarcastic ones as negative (bulk), each a learning step
        bulk = await client.post(api(mon.a, "mentions/sentiment"), json={"ids": [str(i) for i in ids],
                                                                          "label": "negative"}, headers=ha)
        assert bulk.status_code == 200
    assert await learned(sessionmaker, mon.a) == 2 + 2 * len(ids)
    learned_a = await classify(mon.a, ha)
    assert learned_a["label"] == "negative" and learned_a["score"] < 0 and learned_a["language"] == "nl"
    assert (await classify(mon.b, hb))["label"] == "positive"  # another tenant's classifier learned nothing
    assert await learned(sessionmaker, mon.b) == 0
    praise = await client.post(api(mon.a, "classify"), json={"texts": ["Wat een geweldige klantenservice van Acme!"]},
                               headers=ha)
    assert praise.json()[0]["label"] == "positive"  # what it learned is sarcasm about waiting, not "geweldig"
    predicted = [c.predicted_label for c in await corrections(sessionmaker, mon.a)]
    assert predicted[0] == "positive"  # measured before learning


async def test_accuracy_after_known_corrections(client: Any, sessionmaker: Any, mon: World) -> None:
    s = await setup_tenant(sessionmaker, mon.a)
    h = await api_headers(sessionmaker, mon.a, "member")
    empty = (await client.get(api(mon.a, "mentions/accuracy"), headers=h)).json()
    assert empty["sample"] == 0 and empty["accuracy"] is None and empty["recent"]["accuracy"] is None
    assert empty["by_language"] == [] and empty["trend"] == [] and empty["learned"] == 0
    ids = await add_mentions(sessionmaker, mon.a, s.source, [
        {"title": "Wat een geweldige klantenservice van Acme!", "sentiment": "positive"},  # confirmed: right
        {"title": "Acme is verschrikkelijk slecht", "sentiment": "negative"},  # confirmed: right
        {"title": "Great service from Acme today, really happy", "language": "en", "sentiment": "positive"},  # right
        {"title": "Acme heeft een nieuwe app uitgebracht", "sentiment": "neutral"},  # → positive: wrong
    ])
    for mid, label in zip(ids, ("positive", "negative", "positive", "positive"), strict=True):
        response = await client.post(api(mon.a, f"mentions/{mid}/sentiment"), json={"label": label}, headers=h)
        assert response.status_code == 200
    report = (await client.get(api(mon.a, "mentions/accuracy"), headers=h)).json()
    assert (report["sample"], report["correct"], report["accuracy"], report["learned"]) == (4, 3, 0.75, 4)
    assert report["by_language"] == [
        {"language": "nl", "sample": 3, "correct": 2, "accuracy": 0.6667},
        {"language": "en", "sample": 1, "correct": 1, "accuracy": 1.0}]
    assert report["recent"] == {"sample": 4, "correct": 3, "accuracy": 0.75}
    assert report["trend"] == [{"first": 1, "last": 4, "sample": 4, "accuracy": 0.75}]

    await login_as(client, mon.a, "viewer")
    page = await client.get(web(mon.a, "accuracy"))
    assert page.status_code == 200 and "75%" in page.text and "67%" in page.text and "data-chart" in page.text
    assert "voorspelt het model eerst" in page.text  # the plain explanation (Dutch by default)


async def test_classify_validation(client: Any, sessionmaker: Any, mon: World) -> None:
    h = await api_headers(sessionmaker, mon.a, "viewer")
    url = api(mon.a, "classify")
    texts = ["Wat een geweldige service van Acme!", "The service was terrible and the staff were rude.", ""]
    response = await client.post(url, json={"texts": texts}, headers=h)
    assert response.status_code == 200
    assert [(r["language"], r["label"]) for r in response.json()] == [
        ("nl", "positive"), ("en", "negative"), ("und", "neutral")]
    for body in ({"texts": ["x"] * 101}, {"texts": ["x" * 10_001]}, {"texts": []}):
        bad = await client.post(url, json=body, headers=h)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "texts"
    wrong_type = await client.post(url, json={"texts": "one text"}, headers=h)
    assert wrong_type.status_code == 400 and "texts" in wrong_type.text
    english = await client.post(url + "?lang=en", json={"texts": ["x"] * 101}, headers=h)
    assert "at most 100" in english.json()["errors"][0]["reason"]


async def test_counts_follow_the_profile_and_time_of_the_mention(client: Any, sessionmaker: Any,
                                                                 mon: World) -> None:
    """The hour row moved is the mention's own hour, for every profile it matched."""
    s = await setup_tenant(sessionmaker, mon.a)
    [mid] = await add_mentions(sessionmaker, mon.a, s.source, [
        {"title": "Acme", "sentiment": "neutral", "profiles": (s.profile, s.other_profile), "author_reach": 50,
         "published_at": BASE}])
    h = await api_headers(sessionmaker, mon.a, "member")
    await client.post(api(mon.a, f"mentions/{mid}/sentiment"), json={"label": "positive"}, headers=h)
    with tenant_scope(mon.a.id):
        async with sessionmaker() as session:
            rows = (await session.execute(select(HourStat.hour, HourStat.profile_key, HourStat.sentiment,
                                                 HourStat.mentions, HourStat.reach))).all()
    live = {(r.profile_key, r.sentiment): (r.mentions, r.reach) for r in rows if r.mentions}
    assert live == {(k, "positive"): (1, 50) for k in (ALL_PROFILES, s.profile, s.other_profile)}
    assert {r.hour for r in rows} == {BASE}
