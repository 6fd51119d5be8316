"""`classify_sentiment`: a plugin labels free text through the tenant's active plugin that classifies
(`regie_classify_sentiment`), monitoring's learning classifier when it is active, None when none is."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.activation.models import PluginActivation
from core.plugins.api import MAX_SENTIMENT_TEXTS, PluginInfo, classify_sentiment, hookimpl
from core.plugins.manager import build_plugin_manager
from core.tenancy.scope import tenant_scope

POSITIVE = "Wat een geweldige service, echt top! Ik ben heel blij met jullie."
NEGATIVE = "Slechte service, ik ben erg boos en teleurgesteld. Nooit meer."


async def _activate(sessionmaker: Any, tw: Any, plugin: str) -> None:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add(PluginActivation(plugin=plugin, department_id=tw.departments["marketing"].id,
                                         status="active", activated_at=datetime.now(UTC)))


async def _classify(sessionmaker: Any, tw: Any, pm: Any, texts: list[str], lang: str = "nl") -> Any:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return await classify_sentiment(session, pm, texts, lang)


class _Fixed:
    """Says "positive" with an out-of-range score for every text (blank ones too); records its batch sizes."""

    def __init__(self, name: str) -> None:
        self.name, self.batches = name, []

    @hookimpl
    def regie_plugin(self) -> PluginInfo:
        return PluginInfo(name=self.name, groundswell_function="talking", default_owner="marketing")

    @hookimpl
    async def regie_classify_sentiment(self, ctx, texts, lang):  # type: ignore[no-untyped-def]
        self.batches.append((len(texts), lang))
        return [("positive", 3.0)] * len(texts)


class _Broken:
    """Answers, but not one well-formed pair per text."""

    @hookimpl
    def regie_plugin(self) -> PluginInfo:
        return PluginInfo(name="sentimentbroken", groundswell_function="talking", default_owner="marketing")

    @hookimpl
    def regie_classify_sentiment(self, ctx, texts):  # type: ignore[no-untyped-def]
        return [("happy", 0.5)] * len(texts)


async def test_with_monitoring_active_dutch_texts_get_monitorings_labels(app, world, sessionmaker):
    await _activate(sessionmaker, world.a, "monitoring")
    result = await _classify(sessionmaker, world.a, app.state.pm, [POSITIVE, NEGATIVE, "   ", ""])
    assert result is not None and [label for label, _ in result] == ["positive", "negative", "neutral", "neutral"]
    assert result[0][1] > 0.25 and result[1][1] < -0.25 and result[2:] == [("neutral", 0.0), ("neutral", 0.0)]
    assert await _classify(sessionmaker, world.a, app.state.pm, []) == []


async def test_without_an_active_classifier_the_answer_is_none(app, world, sessionmaker):
    await _activate(sessionmaker, world.b, "monitoring")  # active in the other tenant only
    assert await _classify(sessionmaker, world.a, app.state.pm, [POSITIVE]) is None
    assert await _classify(sessionmaker, world.a, None, [POSITIVE]) is None
    assert await _classify(sessionmaker, world.b, app.state.pm, [POSITIVE]) == [await _score_of(POSITIVE)]


async def _score_of(text: str) -> tuple[str, float]:
    """What monitoring's out-of-the-box classifier says, as the hook rounds it."""
    from plugins.monitoring.sentiment import Classifier

    found = Classifier.fresh().predict([text], ["nl"])[0]
    return found.label, round(found.score, 4)


async def test_many_texts_go_in_batches_blanks_are_neutral_and_scores_stay_in_range(world, sessionmaker):
    fixed = _Fixed("sentimentfixed")
    pm = build_plugin_manager([fixed])
    await _activate(sessionmaker, world.a, "sentimentfixed")
    texts = ["goed"] * (2 * MAX_SENTIMENT_TEXTS) + [" "]
    result = await _classify(sessionmaker, world.a, pm, texts, "en")
    assert fixed.batches == [(MAX_SENTIMENT_TEXTS, "en"), (MAX_SENTIMENT_TEXTS, "en"), (1, "en")]
    assert result == [("positive", 1.0)] * (2 * MAX_SENTIMENT_TEXTS) + [("neutral", 0.0)]


async def test_a_malformed_answer_is_left_out_for_the_next_plugins(world, sessionmaker):
    fixed = _Fixed("sentimentfixed")
    pm = build_plugin_manager([_Broken(), fixed])
    await _activate(sessionmaker, world.a, "sentimentbroken")
    assert await _classify(sessionmaker, world.a, pm, ["goed"]) is None
    await _activate(sessionmaker, world.a, "sentimentfixed")
    assert await _classify(sessionmaker, world.a, pm, ["goed", "slecht"]) == [("positive", 1.0)] * 2
