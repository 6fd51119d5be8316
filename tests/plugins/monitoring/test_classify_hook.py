"""Monitoring answers `regie_classify_sentiment` with the tenant's own classifier: what it learned from one
organisation's corrections labels that organisation's texts (a survey's "why"), and no other's."""

from __future__ import annotations

from core.plugins.api import classify_sentiment
from core.tenancy.scope import tenant_scope
from plugins.monitoring.mentions.classifier import load_classifier, save_classifier

TEXT = "De bezorger kwam weer om half elf."


async def _classify(mon, sessionmaker, app, tw, texts, lang="nl"):
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return await classify_sentiment(session, app.state.pm, texts, lang)


async def test_a_tenants_corrections_label_its_texts_and_only_its_own(app, mon, sessionmaker):
    before = await _classify(mon, sessionmaker, app, mon.a, [TEXT])
    assert before is not None and before[0][0] == "neutral"
    with tenant_scope(mon.a.id):
        async with sessionmaker() as session, session.begin():
            classifier = await load_classifier(session)
            classifier.learn_many([(TEXT, "nl", "negative")] * 10)
            await save_classifier(session, classifier)
    [(label, score)] = await _classify(mon, sessionmaker, app, mon.a, [TEXT])
    assert label == "negative" and -1.0 <= score < 0
    assert await _classify(mon, sessionmaker, app, mon.b, [TEXT]) == before


async def test_the_texts_language_chooses_the_lexicon(app, mon, sessionmaker):
    dutch = "Slecht, echt waardeloos."
    assert [label for label, _ in await _classify(mon, sessionmaker, app, mon.a, [dutch], "nl")] == ["negative"]
    assert [label for label, _ in await _classify(mon, sessionmaker, app, mon.a, [dutch], "en")] == ["neutral"]
    assert [label for label, _ in await _classify(mon, sessionmaker, app, mon.a, ["Great help, thanks!"], "en")] \
        == ["positive"]
