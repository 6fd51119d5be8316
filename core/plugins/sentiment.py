"""Sentiment of texts, classified by whichever active plugin of the tenant can (hook `regie_classify_sentiment`),
so a plugin that collects free text (a survey's "why") labels it without importing the plugin that classifies."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.context import hook_context
from core.plugins.host import PluginHost, call
from core.plugins.lookups import current_tenant

log = logging.getLogger("regie.plugins")

SENTIMENT_LABELS = ("positive", "neutral", "negative")
MAX_SENTIMENT_TEXTS = 500
"""Texts one hook call receives at most: `classify_sentiment` asks in batches of this size."""
MAX_SENTIMENT_CHARS = 10_000
"""A longer text is classified on its first this many characters."""
NEUTRAL = ("neutral", 0.0)


def _blank(text: str) -> bool:
    return not text or text.isspace()


def _valid(answer: Any, size: int) -> list[tuple[str, float]] | None:
    """A plugin's answer as (label, score) pairs with scores in -1..1, or None when it is not one pair per text."""
    if not isinstance(answer, (list, tuple)) or len(answer) != size:
        return None
    pairs: list[tuple[str, float]] = []
    for pair in answer:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2 or pair[0] not in SENTIMENT_LABELS \
                or isinstance(pair[1], bool) or not isinstance(pair[1], (int, float)) or math.isnan(pair[1]):
            return None
        pairs.append((str(pair[0]), max(-1.0, min(1.0, float(pair[1])))))
    return pairs


async def classify_sentiment(session: AsyncSession, pm: PluginHost | None, texts: Sequence[str],
                             lang: str = "nl") -> list[tuple[str, float]] | None:
    """One (label, score) per text, in order: label "positive", "neutral" or "negative", score in -1..1; a blank
    text is ("neutral", 0.0). None when no active plugin of the tenant classifies. Only active plugins are asked,
    in batches of `MAX_SENTIMENT_TEXTS`; the first well-formed answer counts (a malformed one is logged)."""
    tenant = await current_tenant(session)
    if tenant is None or pm is None:
        return None
    hook = (await pm.for_tenant(session)).hook("regie_classify_sentiment")
    ctx = hook_context(session, tenant, lang)
    texts = [str(t or "")[:MAX_SENTIMENT_CHARS] for t in texts]
    results: list[tuple[str, float]] = []
    for start in range(0, max(len(texts), 1), MAX_SENTIMENT_TEXTS):
        batch = texts[start:start + MAX_SENTIMENT_TEXTS]
        found = None
        for answer in await call(hook, ctx=ctx, texts=batch, lang=lang):
            found = _valid(answer, len(batch))
            if found is not None:
                break
            log.error("a plugin answered regie_classify_sentiment with %.200r, not one (label, score) per text: "
                      "left out", answer)
        if found is None:
            return None
        results.extend(NEUTRAL if _blank(text) else pair for text, pair in zip(batch, found, strict=True))
    return results
