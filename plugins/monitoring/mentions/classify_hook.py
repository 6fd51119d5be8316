"""Monitoring's answer to `regie_classify_sentiment`: other plugins' free text (a survey's "why") labelled by the
tenant's own classifier, the one that learns from its corrections of mentions."""

from __future__ import annotations

from collections.abc import Sequence

from core.plugins.api import HookContext
from plugins.monitoring.mentions.classifier import reading_classifier


async def classify(ctx: HookContext, texts: Sequence[str], lang: str) -> list[tuple[str, float]]:
    """One (label, score) per text, in the texts' language ("nl", "en"; another code scores with both lexicons)."""
    if not texts:
        return []
    code = lang if lang in ("nl", "en") else "und"
    results = (await reading_classifier(ctx.session)).predict(list(texts), [code] * len(texts))
    return [(r.label, round(float(r.score), 4)) for r in results]
