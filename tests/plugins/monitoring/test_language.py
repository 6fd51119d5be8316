"""Language detection: Dutch, English, and everything else (or too little text) as "und"."""

from __future__ import annotations

import pytest

from plugins.monitoring.language import detect_language, detect_languages

DUTCH = [
    "De trein naar Utrecht is weer eens vertraagd, echt belachelijk dit #NS",
    "Ik ben niet blij met de klantenservice van KPN, al drie dagen geen internet",
    "Weet iemand of de Albert Heijn op Tweede Pinksterdag open is?",
    "Bedankt!",
]
ENGLISH = [
    "My internet has been down all day and nobody at Virgin Media picks up the phone",
    "Does anyone know if the council collects bins on bank holidays?",
    "The nurses were so kind to my dad, thank you for everything",
    "Thanks!",
]
OTHER = [
    "Ich habe seit drei Tagen kein Internet, das ist wirklich ärgerlich",
    "Le service client ne répond pas depuis une semaine, c'est vraiment nul",
    "El servicio es muy malo y nadie responde a mis correos",
]


@pytest.mark.parametrize("text", DUTCH)
def test_dutch(text: str) -> None:
    assert detect_language(text) == "nl"


@pytest.mark.parametrize("text", ENGLISH)
def test_english(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize("text", OTHER)
def test_other_languages_are_undetermined(text: str) -> None:
    assert detect_language(text) == "und"


@pytest.mark.parametrize("text", ["", "   ", "ok", "👍👍", "!!!", "123 456"])
def test_too_little_text_is_undetermined(text: str) -> None:
    assert detect_language(text) == "und"


def test_without_function_words_lingua_decides() -> None:
    """No Dutch function words here, so the first stage cannot settle it."""
    assert detect_languages(["Prachtige treinreis richting Groningen gemaakt, heerlijk rustig onderweg"]) == ["nl"]


def test_batch_keeps_order_and_agrees_with_single() -> None:
    texts = [OTHER[0], DUTCH[0], "", ENGLISH[0], DUTCH[2], ENGLISH[1]]
    assert detect_languages(texts) == ["und", "nl", "und", "en", "nl", "en"]
    assert detect_languages(texts) == [detect_language(t) for t in texts]
    assert detect_languages([]) == []
