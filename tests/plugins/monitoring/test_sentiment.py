"""Sentiment: the lexicon model out of the box, per part and overall, and learning from one tenant's corrections."""

from __future__ import annotations

import pytest

from plugins.monitoring.sentiment import LABELS, Classifier, MentionSentiment, Sentiment

CLEAR = [
    ("nl", "Wat een geweldige service, echt top!", "positive"),
    ("nl", "Slechte service, ik ben echt boos", "negative"),
    ("nl", "De winkel is morgen open van 9 tot 17 uur.", "neutral"),
    ("nl", "Dat was helemaal niet slecht", "positive"),
    ("nl", "Geen goede ervaring met deze bank", "negative"),
    ("nl", "De app werkt niet", "negative"),
    ("nl", "Alweer vertraging 😡", "negative"),
    ("nl", "Snel geholpen 👍", "positive"),
    ("en", "I love this, great service!", "positive"),
    ("en", "Terrible experience, I hate it", "negative"),
    ("en", "The office opens at 9am on Monday.", "neutral"),
    ("en", "Not bad at all", "positive"),
    ("en", "The service was not good", "negative"),
    ("en", "My internet is still not working", "negative"),
    ("en", "Thanks for the quick reply :)", "positive"),
    ("en", "Another outage 👎", "negative"),
]


def labels(classifier: Classifier, texts: list[str], lang: str) -> list[str]:
    return [s.label for s in classifier.predict(texts, [lang] * len(texts))]


@pytest.mark.parametrize(("lang", "text", "label"), CLEAR)
def test_clear_examples(lang: str, text: str, label: str) -> None:
    [result] = Classifier.fresh().predict([text], [lang])
    assert result.label == label
    assert -1.0 <= result.score <= 1.0
    if label == "positive":
        assert result.score > 0
    elif label == "negative":
        assert result.score < 0
    else:
        assert abs(result.score) <= 0.25


def test_negation_flips() -> None:
    c = Classifier.fresh()
    assert labels(c, ["goed", "niet goed", "slecht", "niet slecht"], "nl") == \
        ["positive", "negative", "negative", "positive"]
    assert labels(c, ["good", "not good", "bad", "not bad"], "en") == ["positive", "negative", "negative", "positive"]


def test_undetermined_language_uses_both_lexicons() -> None:
    assert labels(Classifier.fresh(), ["I love it", "Echt fantastisch", "😡"], "und") == \
        ["positive", "positive", "negative"]


def test_empty_text_is_neutral() -> None:
    assert Classifier.fresh().predict(["", "   "], ["nl", "en"]) == [Sentiment("neutral", 0.0)] * 2


def test_parts_and_overall() -> None:
    [m] = Classifier.fresh().analyse([("Storing bij KPN", "", "Monteurs zijn onderweg naar de wijk.")], ["nl"])
    assert isinstance(m, MentionSentiment)
    assert m.title is not None and m.title.label == "negative"
    assert m.lead is None
    assert m.body is not None and m.body.label == "neutral"
    assert m.overall.label == "negative"  # a part without sentiment does not dilute the others


def test_headline_weighs_more_than_body() -> None:
    """A plain sum would say negative here (good 1.9, bad -2.5): the title counts double."""
    [m] = Classifier.fresh().analyse([("Good", "", "Bad")], ["en"])
    assert (m.title.label, m.body.label, m.overall.label) == ("positive", "negative", "positive")


def test_empty_parts_are_none() -> None:
    c = Classifier.fresh()
    [empty, body_only] = c.analyse([("", " ", ""), ("", "", "Top service!")], ["nl", "nl"])
    assert (empty.title, empty.lead, empty.body) == (None, None, None)
    assert empty.overall == Sentiment("neutral", 0.0)
    assert body_only.title is None and body_only.lead is None
    assert body_only.body is not None and body_only.overall.label == body_only.body.label == "positive"


def test_analyse_agrees_with_predict_for_each_part() -> None:
    c = Classifier.fresh()
    c.learn("De bezorger legt het pakket steeds bij de buren", "nl", "negative")
    parts = ("Nieuwe app", "Eindelijk een app die werkt", "De bezorger legt het pakket weer bij de buren")
    [m] = c.analyse([parts], ["nl"])
    assert [m.title, m.lead, m.body] == c.predict(list(parts), ["nl"] * 3)


def test_learning_moves_this_text_and_similar_texts_only_for_this_classifier() -> None:
    text = "De bezorger legt het pakket steeds bij de buren neer"
    similar = "Bezorger legt mijn pakket alweer bij de buren neer"
    tenant, other = Classifier.fresh(), Classifier.fresh()
    [before, before_similar] = tenant.predict([text, similar], ["nl", "nl"])
    assert before.label == "neutral"

    tenant.learn(text, "nl", "negative")

    [after, after_similar] = tenant.predict([text, similar], ["nl", "nl"])
    assert after.label == "negative" and after.score < before.score
    assert after_similar.score < before_similar.score
    assert other.predict([text, similar], ["nl", "nl"]) == [before, before_similar]
    assert Classifier.fresh().predict([text], ["nl"]) == [before]


def test_repeated_corrections_overrule_the_lexicon() -> None:
    """Sarcasm the lexicon reads as positive: each correction moves it, a handful teach this tenant otherwise."""
    c = Classifier.fresh()
    unseen = "Geweldig hoor, weer vertraging 🙃"
    sarcastic = ["Geweldig hoor, weer een storing 🙃", "Geweldig hoor, alweer geen internet 🙃",
                 "Geweldig hoor, trein weer uitgevallen 🙃", "Geweldig hoor, weer de wifi eruit 🙃",
                 "Geweldig hoor, weer kapot 🙃"]
    scores = [c.predict([unseen], ["nl"])[0].score]
    assert scores[0] > 0.25
    for text in sarcastic:
        c.learn(text, "nl", "negative")
        scores.append(c.predict([unseen], ["nl"])[0].score)
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(scores)
    assert labels(c, [unseen], "nl") == ["negative"]
    assert c.learned == 5


def test_learned_counter() -> None:
    c = Classifier.fresh()
    assert c.learned == 0
    c.learn("Top service", "nl", "positive")
    c.learn_many([("Slecht", "nl", "negative"), ("Open om 9 uur", "nl", "neutral")])
    assert c.learned == 3


def test_invalid_label_is_refused() -> None:
    c = Classifier.fresh()
    with pytest.raises(ValueError):
        c.learn("Top service", "nl", "great")
    with pytest.raises(ValueError):
        c.learn_many([("Slecht", "nl", "negative"), ("Top", "nl", "POSITIVE")])
    assert c.learned == 0
    assert c.predict(["Top service"], ["nl"]) == Classifier.fresh().predict(["Top service"], ["nl"])


def test_languages_must_match_texts() -> None:
    with pytest.raises(ValueError):
        Classifier.fresh().predict(["een", "twee"], ["nl"])


def test_round_trip_preserves_predictions() -> None:
    c = Classifier.fresh()
    c.learn_many([("De bezorger legt het pakket steeds bij de buren", "nl", "negative"),
                  ("Fijn dat de monteur zo snel kwam", "nl", "positive"),
                  ("Parcel left with the neighbours again", "en", "negative")])
    texts = ["Pakket weer bij de buren", "De monteur kwam snel", "Parcel with the neighbours", "Gewoon een zin"]
    langs = ["nl", "nl", "en", "nl"]
    data = c.to_bytes()
    restored = Classifier.from_bytes(data)
    assert restored.learned == 3
    assert restored.predict(texts, langs) == c.predict(texts, langs)
    assert len(data) < 50_000


def test_fresh_round_trip_is_the_lexicon() -> None:
    restored = Classifier.from_bytes(Classifier.fresh().to_bytes())
    texts = [t for _, t, _ in CLEAR]
    langs = [lang for lang, _, _ in CLEAR]
    assert restored.learned == 0
    assert restored.predict(texts, langs) == Classifier.fresh().predict(texts, langs)


def test_labels() -> None:
    assert LABELS == ("negative", "neutral", "positive")
