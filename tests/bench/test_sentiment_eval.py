"""Evaluation of language detection and sentiment on the labelled posts in data/sentiment_posts.csv.

Run: `.venv/bin/pytest -q -m bench tests/bench/test_sentiment_eval.py -s`
 or: `.venv/bin/python -m tests.bench.test_sentiment_eval`.

Prints accuracy and macro-F1 per language and overall for
1. the out-of-the-box classifier on all posts;
2. a classifier that learned from a stratified half of the posts (fixed seed, in shuffled order, one
   correction at a time), on the other half, next to the out-of-the-box classifier on that same half;
   with a learning curve (held-out figures after 0, 25, 50, ... corrections), the prequential
   (test-then-train) accuracy over the corrections (what the plugin reports to a tenant), and the gain over
   the lexicon on eight other random splits, so one lucky split does not make the case;
and the throughput of `detect_languages` + `Classifier.analyse` on mentions of 40-50 words (title, lead, body).
"""

from __future__ import annotations

import csv
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sklearn.metrics import accuracy_score, f1_score

from plugins.monitoring.language import _by_function_words, detect_languages
from plugins.monitoring.sentiment import LABELS, Classifier

pytestmark = pytest.mark.bench

DATA = Path(__file__).parent / "data" / "sentiment_posts.csv"
SEED = 20240601
CURVE = (0, 25, 50, 100, 150)
SPLITS = range(1, 9)
THROUGHPUT_MENTIONS = 5000


@dataclass(frozen=True)
class Post:
    lang: str
    label: str
    text: str


def load_posts(path: Path = DATA) -> list[Post]:
    with path.open(encoding="utf-8", newline="") as f:
        return [Post(row["lang"], row["label"], row["text"]) for row in csv.DictReader(f)]


def stratified_halves(posts: list[Post], seed: int = SEED) -> tuple[list[Post], list[Post]]:
    """Half of every (language, label) group to learn from, the other half to test on; learning order shuffled."""
    rng = random.Random(seed)
    train: list[Post] = []
    test: list[Post] = []
    groups: dict[tuple[str, str], list[Post]] = {}
    for post in posts:
        groups.setdefault((post.lang, post.label), []).append(post)
    for key in sorted(groups):
        group = groups[key][:]
        rng.shuffle(group)
        half = len(group) // 2
        train += group[:half]
        test += group[half:]
    rng.shuffle(train)
    return train, test


def scores(posts: list[Post], predicted: list[str]) -> dict[str, tuple[float, float, int]]:
    """(accuracy, macro-F1, n) per language and overall."""
    result = {}
    for lang in ("nl", "en", "all"):
        idx = [i for i, p in enumerate(posts) if lang == "all" or p.lang == lang]
        truth = [posts[i].label for i in idx]
        guess = [predicted[i] for i in idx]
        result[lang] = (accuracy_score(truth, guess), f1_score(truth, guess, labels=list(LABELS), average="macro",
                                                               zero_division=0), len(idx))
    return result


def predict(classifier: Classifier, posts: list[Post]) -> list[str]:
    return [s.label for s in classifier.predict([p.text for p in posts], [p.lang for p in posts])]


def table(title: str, rows: dict[str, dict[str, tuple[float, float, int]]]) -> str:
    lines = [title, f"  {'':34} {'nl acc':>7} {'nl F1':>6}  {'en acc':>7} {'en F1':>6}  {'all acc':>7} {'all F1':>6}"]
    for name, s in rows.items():
        cells = "  ".join(f"{s[k][0]:7.3f} {s[k][1]:6.3f}" for k in ("nl", "en", "all"))
        lines.append(f"  {name:34} {cells}")
    return "\n".join(lines)


def learning_curve(train: list[Post], test: list[Post]) -> tuple[dict[str, dict], Classifier, list[bool]]:
    """Held-out scores after each number of corrections in CURVE and after all; test-then-train outcomes."""
    classifier = Classifier.fresh()
    rows: dict[str, dict] = {}
    outcomes: list[bool] = []
    for n, post in enumerate(train):
        if n in CURVE:
            rows[f"after {n} corrections"] = scores(test, predict(classifier, test))
        outcomes.append(classifier.predict([post.text], [post.lang])[0].label == post.label)
        classifier.learn(post.text, post.lang, post.label)
    rows[f"after {len(train)} corrections (all)"] = scores(test, predict(classifier, test))
    return rows, classifier, outcomes


def other_splits(posts: list[Post], seeds: range = SPLITS) -> dict[int, list[float]]:
    """Per number of corrections: held-out accuracy minus the lexicon's, on each of several other splits."""
    gains: dict[int, list[float]] = {n: [] for n in (*CURVE[1:], len(posts) // 2)}
    for seed in seeds:
        train, test = stratified_halves(posts, seed)
        classifier = Classifier.fresh()
        baseline = scores(test, predict(classifier, test))["all"][0]
        for n, post in enumerate(train, 1):
            classifier.learn(post.text, post.lang, post.label)
            if n in gains:
                gains[n].append(scores(test, predict(classifier, test))["all"][0] - baseline)
    return gains


def mentions(posts: list[Post], n: int, seed: int = SEED) -> list[tuple[str, str, str]]:
    """Mentions of ~40 words: a short post as title, one as lead, two as body."""
    rng = random.Random(seed)
    by_lang = {lang: [p.text for p in posts if p.lang == lang] for lang in ("nl", "en")}
    out = []
    for i in range(n):
        texts = by_lang["nl" if i % 2 else "en"]
        title, lead, body1, body2 = rng.sample(texts, 4)
        out.append((title.split(".")[0][:80], lead, f"{body1} {body2}"))
    return out


def throughput(classifier: Classifier, batch: list[tuple[str, str, str]], size: int = 500) -> tuple[float, float]:
    """(mentions/s by CPU time of this process, mentions/s by wall clock), best of three runs."""
    joined = [" ".join(parts) for parts in batch]
    best_cpu = best_wall = float("inf")
    for _ in range(3):
        cpu, wall = time.process_time(), time.perf_counter()
        for i in range(0, len(batch), size):
            classifier.analyse(batch[i:i + size], detect_languages(joined[i:i + size]))
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    return len(batch) / best_cpu, len(batch) / best_wall


def evaluate(out: Callable[[str], None] = print) -> dict[str, float]:
    posts = load_posts()
    out(f"{len(posts)} posts: " + ", ".join(f"{lang} {sum(p.lang == lang for p in posts)}" for lang in ("nl", "en")))

    texts = [p.text for p in posts]
    detected = detect_languages(texts)
    to_lingua = sum(_by_function_words(t) is None for t in texts)
    cpu = time.process_time()
    for _ in range(5):
        detect_languages(texts)
    rate = 5 * len(texts) / (time.process_time() - cpu)
    out(f"language detection accuracy: {accuracy_score([p.lang for p in posts], detected):.3f} "
        f"(und: {detected.count('und')}); {to_lingua} of {len(texts)} posts needed lingua; "
        f"{rate:.0f} posts/s (CPU time)")

    fresh = Classifier.fresh()
    out(table("\n1. out of the box, all posts", {"lexicon": scores(posts, predict(fresh, posts))}))

    train, test = stratified_halves(posts)
    curve, learned, outcomes = learning_curve(train, test)
    baseline = scores(test, predict(fresh, test))
    out(table(f"\n2. learning from {len(train)} corrections (stratified half, seed {SEED}), "
              f"tested on the other {len(test)}", {"out of the box": baseline, **curve}))
    prequential = sum(outcomes) / len(outcomes)
    out(f"  prequential (test-then-train) accuracy over the {len(outcomes)} corrections: {prequential:.3f}; "
        f"last 60: {sum(outcomes[-60:]) / 60:.3f}; first 60: {sum(outcomes[:60]) / 60:.3f}")
    out(f"  stored classifier: {len(learned.to_bytes()) / 1024:.1f} KB after {learned.learned} corrections")
    gains = other_splits(posts)
    out(f"  on {len(SPLITS)} other splits (seeds {SPLITS.start}-{SPLITS.stop - 1}), held-out accuracy minus the "
        "lexicon's, mean [worst]: " + ", ".join(f"after {n}: {sum(g) / len(g):+.3f} [{min(g):+.3f}]"
                                                for n, g in gains.items()))

    batch = mentions(posts, THROUGHPUT_MENTIONS)
    words = sum(len(" ".join(m).split()) for m in batch) / len(batch)
    out(f"\n3. throughput, analyse + detect_languages, {len(batch)} mentions of {words:.0f} words, one process")
    figures = {}
    for name, classifier in (("out of the box", fresh), (f"after {learned.learned} corrections", learned)):
        cpu, wall = throughput(classifier, batch)
        figures[name] = cpu
        out(f"  {name:28} {cpu:8.0f} mentions/s (CPU time)  {wall:8.0f} mentions/s (wall clock)")
    last = curve[f"after {len(train)} corrections (all)"]
    return {"baseline_f1": baseline["all"][1], "learned_f1": last["all"][1], "baseline_acc": baseline["all"][0],
            "learned_acc": last["all"][0], "throughput": min(figures.values())}


def test_sentiment_evaluation() -> None:
    figures = evaluate()
    assert figures["learned_f1"] >= figures["baseline_f1"], "learning from corrections made it worse on held-out"


if __name__ == "__main__":
    evaluate()
