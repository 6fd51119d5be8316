"""Sentiment of mentions (Dutch, English) that learns from a tenant's corrections.

Out of the box (the *prior*) it is a lexicon model in VADER's manner (`lexicon.py`): each sentiment word adds
its valence, a negator up to three words before it flips and weakens it ("niet slecht", "not bad", "geen
goede"; Dutch verbs also by a negator after them, "de app werkt niet"), a booster before it strengthens it
("heel traag"), an ALL-CAPS word in mixed-case text is emphasised, words after "maar"/"but" count 1.5x and
those before it 0.5x, exclamation marks add emphasis. The summed valence is normalised to a compound score
s in -1..1 (s / sqrt(s² + 15)); |s| <= NEUTRAL_BAND is neutral.

Learning: one linear model on top of the prior, in logit space. The prior gives the logits
    z_neg = k·(-s - t),  z_neu = 0,  z_pos = k·(s - t)      (k = PRIOR_SLOPE, t = NEUTRAL_BAND)
whose argmax is exactly the lexicon's label. The tenant's residual adds W·x + A·[s, |s|, 1], where x holds
hashed features of the text (words, word bigrams within a sentence, and words in a negation's scope; 2^18
buckets; 1/sqrt(n) per occurrence) and W, A start at zero, so with no corrections predictions are the
lexicon's (and `predict` skips the residual altogether). A correction is one SGD step on the log-loss of
softmax(prior + residual): multinomial logistic regression with the prior as a fixed offset, as in boosting
from a base model. The residual therefore learns only what the lexicon gets wrong for this tenant: texts
sharing words and bigrams with a correction move towards its label (W), and a tenant whose lexicon scores run
systematically off (too many neutrals, say, or mostly complaints) recalibrates through A, its weights on s,
|s| and the bias. Why one step and not "until the corrected text gets its label": see `Classifier.learn`;
tests/bench/test_sentiment_eval.py shows the held-out effect. Stored sparse: only the touched buckets, as npz.

The score of a prediction is the compound the logits imply, (z_pos - z_neg) / 2k, which is the lexicon
compound when nothing was learned; clipped so its sign agrees with the label and a neutral stays within ±t.

Mentions (title, lead, body): each non-empty part is scored on its own, and the overall is scored on the
weighted sum of the parts' valences, 2.0 x title + 1.5 x lead + 1.0 x body (PART_WEIGHTS), with the union of
their features. Not a plain average: a part without sentiment words adds nothing rather than diluting the
others towards neutral, and a word in the headline counts double because a headline is written to frame the
story and is what most readers see, the lead summarises, the body adds detail (and many weak cues).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain, compress, count, repeat
from operator import and_, itemgetter

import numpy as np

from plugins.monitoring import lexicon
from plugins.monitoring.lexicon import ACTIVE, B_INCR, BOUNDARY, CONTRAST, DEGREE, MASK, NEG, NEVER, POSTNEG, Entry

LABELS = ("negative", "neutral", "positive")
NEUTRAL_BAND = 0.25
"""|compound| up to this is neutral (VADER's 0.05 makes nearly every post polar)."""
PRIOR_SLOPE = 5.0
"""k: how many logits the lexicon's compound is worth; higher means corrections must push harder."""
PART_WEIGHTS = (2.0, 1.5, 1.0)
"""Title, lead, body: the weight of a part's valence in the overall."""
LEARNING_RATE = 1.0
"""Step on the hashed features (rows have unit L2 norm, so one step moves the text's own logits by about this)."""
DENSE_LEARNING_RATE = 0.05
"""Step on [s, |s|, 1]: these features are in every text, so they move slowly."""
CAPS_INCREMENT = 0.733
EXCLAMATION_INCREMENT = 0.292
_STATE_VERSION = 1
_NEG_TAG, _BIGRAM_MUL = 0x2545F491, 0x9E3779B1

_TOKEN = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|@\w+"
    r"|(?<!\w)(?:[<>]?[:;=][\-o'^]?[)(\][dDpPsS/\\|@*]+|[xX][dD]+|</?3+)(?!\w)"
    r"|#?[^\W\d_](?:[\w'\-]*\w)?"
    r"|[.!?;]+"
    r"|[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B50\u2B55]"
)
"""URLs and handles (features only), emoticons, words and hashtags, sentence ends, emoji (one code point)."""
_LOOK_AT = ACTIVE | CONTRAST
_FLAGS, _HASH = itemgetter(3), itemgetter(4)


@dataclass(frozen=True, slots=True)
class Sentiment:
    """A label with a score in -1..1 whose sign agrees with it (neutral stays near 0)."""

    label: str
    score: float


@dataclass(frozen=True, slots=True)
class MentionSentiment:
    """Per part (None for an empty part) and overall."""

    title: Sentiment | None
    lead: Sentiment | None
    body: Sentiment | None
    overall: Sentiment


NEUTRAL = Sentiment("neutral", 0.0)


class _Language:
    """One language's scoring table, with what was resolved for unknown tokens and pieces memoised (bounded).

    Text is split on whitespace (fast) and each distinct piece ("goed!", "#fail", "top👍") is tokenised by the
    regex only the first time it is seen: that makes tokenising a few times faster than a regex per text."""

    MAX_GROWTH = 300_000

    def __init__(self, base: dict[str, Entry], dutch: bool) -> None:
        self.base = base
        self.dutch = dutch
        self.table = dict(base)
        self.pieces: dict[str, tuple[Entry, ...]] = {}

    def piece(self, piece: str) -> tuple[Entry, ...]:
        if len(self.pieces) > self.MAX_GROWTH:
            self.pieces.clear()
            self.table = dict(self.base)
        get = self.table.get
        entries = tuple(get(t) or self._token(t) for t in _TOKEN.findall(piece))
        self.pieces[piece] = entries
        return entries

    def _token(self, token: str) -> Entry:
        if token[0] in ".!?;":
            entry: Entry = (0.0, 0.0, 0.0, BOUNDARY, 0, token)
        elif token[0] == "@" or token.startswith(("http", "www.")):
            entry = (0.0, 0.0, 0.0, 0, lexicon.feature_hash(token), token)
        else:
            entry = lexicon.resolve(token, self.table, self.dutch)
        self.table[token] = entry
        return entry


@cache
def _language(lang: str) -> _Language:
    """Per process: "nl", "en", or "und" for anything else."""
    if lang == "nl":
        return _Language(lexicon.dutch(), dutch=True)
    if lang == "en":
        return _Language(lexicon.english(), dutch=False)
    return _Language(lexicon.either(), dutch=False)


def _tokens(text: str, lang: str) -> list[Entry]:
    """The text's tokens as lexicon entries."""
    language = _language(lang if lang in ("nl", "en") else "und")
    low = text.lower()
    if "’" in low:
        low = low.replace("’", "'")
    pieces = low.split()
    found = list(map(language.pieces.get, pieces))
    if None in found:
        found = [e if e is not None else language.piece(p) for e, p in zip(found, pieces, strict=True)]
    return list(chain.from_iterable(found))


def _valence(text: str, entries: list[Entry]) -> float:
    """Summed valence of one text by VADER's rules, looking only at the tokens that carry sentiment."""
    hits = list(compress(count(), map(and_, map(_FLAGS, entries), repeat(_LOOK_AT))))
    if not hits:
        return 0.0
    n = len(entries)
    contrast = -1
    found: list[tuple[int, float]] = []
    for i in hits:
        e = entries[i]
        flags = e[3]
        if flags & CONTRAST:
            contrast = i
            continue
        if e[2] and i + 1 < n and entries[i + 1][3] & ACTIVE:
            continue  # "super traag": a booster here, not a word of its own
        negated, boost = False, 0.0
        for j in range(i - 1, max(i - 4, -1), -1):
            before = entries[j]
            if before[3] & BOUNDARY:
                break
            if before[3] & NEG:
                if before[3] & NEVER and entries[j + 1][3] & DEGREE and j + 1 < i:
                    boost += B_INCR  # "never so bad": emphasis, not negation
                else:
                    negated = True
            elif before[2] and j >= i - 2:
                boost += before[2] if j == i - 1 else before[2] * 0.95
        if not negated and flags & POSTNEG:
            for j in range(i + 1, min(i + 3, n)):
                if entries[j][3] & (BOUNDARY | NEG):
                    negated = bool(entries[j][3] & NEG)
                    break
        v = e[1] if negated else e[0]
        if not v:
            continue
        if boost:
            v += boost if v > 0 else -boost
        if _shouted(e[5], text):
            v += CAPS_INCREMENT if v > 0 else -CAPS_INCREMENT
        found.append((i, v))
    if not found:
        return 0.0
    # "maar"/"but": what follows is the point, what precedes it is conceded
    total = sum(v * (1.0 if contrast < 0 else 0.5 if i < contrast else 1.5) for i, v in found)
    bangs = text.count("!")
    if bangs and total:
        emphasis = EXCLAMATION_INCREMENT * min(bangs, 4)
        total += emphasis if total > 0 else -emphasis
    return total


def _shouted(word: str, text: str) -> bool:
    """Whether the word is written in capitals in a text that is not all capitals (VADER's emphasis)."""
    if len(word) < 2 or not word[0].isalpha():
        return False
    upper = word.upper()
    return upper != word and upper in text and not text.isupper()


def _scored(text: str, lang: str) -> tuple[float, list[Entry]]:
    """(summed valence, entries) of one non-empty text."""
    entries = _tokens(text, lang)
    return _valence(text, entries), entries


def _features(chunks: list[list[Entry]]) -> tuple[np.ndarray, np.ndarray]:
    """(chunk index, bucket) per feature occurrence: words, word bigrams within a sentence, and words within
    three of a negator ("niet ... goed" is another feature than "goed"). Vectorised over the whole batch."""
    lengths = np.fromiter((len(c) for c in chunks), dtype=np.int64, count=len(chunks))
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    flat = list(chain.from_iterable(chunks))
    hashes = np.fromiter(map(_HASH, flat), dtype=np.uint64, count=total)
    flags = np.fromiter(map(_FLAGS, flat), dtype=np.int64, count=total)
    chunk = np.repeat(np.arange(len(chunks), dtype=np.int64), lengths)
    boundary = (flags & BOUNDARY) != 0
    word = ~boundary
    negator = (flags & NEG) != 0
    starts = np.ones(total, dtype=bool)
    starts[1:] = boundary[1:] | (chunk[1:] != chunk[:-1])
    segment = np.cumsum(starts)
    mask = np.uint64(MASK)
    parts_chunk = [chunk[word]]
    parts_bucket = [hashes[word] & mask]
    bigram = np.zeros(total, dtype=bool)
    bigram[1:] = word[1:] & word[:-1] & (segment[1:] == segment[:-1])
    parts_chunk.append(chunk[bigram])
    parts_bucket.append(((hashes[:-1][bigram[1:]] * np.uint64(_BIGRAM_MUL)) ^ hashes[bigram]) & mask)
    scope = np.zeros(total, dtype=bool)
    for k in (1, 2, 3):
        scope[k:] |= negator[:-k] & (segment[k:] == segment[:-k])
    scope &= word
    parts_chunk.append(chunk[scope])
    parts_bucket.append((hashes[scope] * np.uint64(_NEG_TAG) + np.uint64(1)) & mask)
    return np.concatenate(parts_chunk), np.concatenate(parts_bucket).astype(np.int64)


def _from_compound(s: float) -> Sentiment:
    if s > NEUTRAL_BAND:
        return Sentiment("positive", s)
    if s < -NEUTRAL_BAND:
        return Sentiment("negative", s)
    return Sentiment("neutral", s)


def _blank(text: str | None) -> bool:
    return not text or text.isspace()


class Classifier:
    """One tenant's classifier: the out-of-the-box lexicon model plus what it learned from that tenant's corrections."""

    def __init__(self, weights: np.ndarray | None = None, dense: np.ndarray | None = None, learned: int = 0) -> None:
        self._w = weights
        """(2^18, 3) residual weights on the hashed features; None until the first correction. float16, as stored:
        precise enough for weights of order 0.01-10, half the memory, and a round trip changes nothing."""
        self._a = np.zeros((3, 3), dtype=np.float64) if dense is None else dense
        """Residual weights on [s, |s|, 1] (rows) per label (columns)."""
        self.learned = learned

    @classmethod
    def fresh(cls) -> Classifier:
        """The out-of-the-box model."""
        return cls()

    # --- persistence (npz, no pickle) ---------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """Only the buckets a correction touched, as gaps between them and float16 weights, compressed: about
        130 KB after 1,000 corrections, 370 KB after 3,000 (simulated with a Zipfian vocabulary)."""
        w = self._w if self._w is not None else np.zeros((0, 3), dtype=np.float16)
        rows = np.flatnonzero(np.any(w != 0, axis=1))
        buffer = io.BytesIO()
        np.savez_compressed(buffer, version=np.array([_STATE_VERSION]), learned=np.array([self.learned]),
                            gaps=np.diff(rows, prepend=0).astype(np.uint32), weights=w[rows], dense=self._a)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Classifier:
        """The classifier `to_bytes` stored."""
        with np.load(io.BytesIO(data), allow_pickle=False) as state:
            if int(state["version"][0]) != _STATE_VERSION:
                raise ValueError(f"unknown classifier state version {int(state['version'][0])}")
            learned = int(state["learned"][0])
            gaps, weights, dense = state["gaps"], state["weights"], state["dense"].astype(np.float64)
        matrix = None
        if learned:
            matrix = np.zeros((MASK + 1, 3), dtype=np.float16)
            matrix[np.cumsum(gaps, dtype=np.int64)] = weights
        return cls(matrix, dense, learned)

    # --- prediction ---------------------------------------------------------------------------------------------

    def predict(self, texts: list[str], langs: list[str]) -> list[Sentiment]:
        """One sentiment per text; an empty text is neutral."""
        _same_length(texts, langs)
        compounds: list[float] = []
        chunks: list[list[Entry]] = []
        for text, lang in zip(texts, langs, strict=True):
            raw, entries = (0.0, []) if _blank(text) else _scored(text, lang)
            compounds.append(lexicon.compound(raw))
            chunks.append(entries)
        if self._w is None:
            results = [_from_compound(s) for s in compounds]
        else:
            sums, counts = self._residual_sums(chunks)
            results = self._decide(np.array(compounds), sums, counts)
        return [NEUTRAL if _blank(t) else r for r, t in zip(results, texts, strict=True)]

    def analyse(self, parts: list[tuple[str, str, str]], langs: list[str]) -> list[MentionSentiment]:
        """Per part and overall, for a batch of mentions (title, lead, body)."""
        _same_length(parts, langs)
        compounds: list[float] = []  # the parts' rows, then the mentions' overall rows
        chunks: list[list[Entry]] = []
        overall_raw: list[float] = []
        owner: list[int] = []  # per part row: the mention it belongs to
        slots: list[tuple[int | None, int | None, int | None]] = []
        for m, (mention, lang) in enumerate(zip(parts, langs, strict=True)):
            mention_slots: list[int | None] = []
            overall = 0.0
            for text, weight in zip(mention, PART_WEIGHTS, strict=True):
                if _blank(text):
                    mention_slots.append(None)
                    continue
                raw, entries = _scored(text, lang)
                overall += weight * raw
                mention_slots.append(len(compounds))
                compounds.append(lexicon.compound(raw))
                chunks.append(entries)
                owner.append(m)
            overall_raw.append(overall)
            slots.append((mention_slots[0], mention_slots[1], mention_slots[2]))
        n_parts = len(compounds)
        compounds.extend(lexicon.compound(raw) for raw in overall_raw)
        if self._w is None:
            results = [_from_compound(s) for s in compounds]
        else:
            sums, counts = self._residual_sums(chunks)
            mention = np.asarray(owner, dtype=np.int64)
            overall_sums = np.stack([np.bincount(mention, weights=sums[:, c], minlength=len(parts))
                                     for c in range(3)], axis=1)  # the overall's features: all its parts'
            overall_counts = np.bincount(mention, weights=counts, minlength=len(parts))
            results = self._decide(np.array(compounds), np.concatenate([sums, overall_sums]),
                                   np.concatenate([counts, overall_counts]))
        return [MentionSentiment(*(results[i] if i is not None else None for i in part_slots),
                                 overall=results[n_parts + m] if any(i is not None for i in part_slots) else NEUTRAL)
                for m, part_slots in enumerate(slots)]

    def _residual_sums(self, chunks: list[list[Entry]]) -> tuple[np.ndarray, np.ndarray]:
        """Per text: the sum of the learned weights of its feature occurrences, and how many there are."""
        rows, buckets = _features(chunks)
        n = len(chunks)
        gathered = self._w[buckets]
        sums = np.stack([np.bincount(rows, weights=gathered[:, c], minlength=n) for c in range(3)], axis=1)
        return sums, np.bincount(rows, minlength=n).astype(np.float64)

    def _decide(self, compounds: np.ndarray, sums: np.ndarray, counts: np.ndarray) -> list[Sentiment]:
        """Prior logits plus the residual (occurrences weigh 1/sqrt(n), as in `learn`), then label and score."""
        logits = _prior(compounds) + _dense(compounds) @ self._a + sums / np.sqrt(np.maximum(counts, 1.0))[:, None]
        labels = np.argmax(logits, axis=1)
        implied = (logits[:, 2] - logits[:, 0]) / (2 * PRIOR_SLOPE)
        return [_sentiment(int(label), float(score)) for label, score in zip(labels, implied, strict=True)]

    # --- learning -----------------------------------------------------------------------------------------------

    def learn(self, text: str, lang: str, label: str) -> None:
        """One correction: the text's label is `label`; later predictions of similar texts move towards it.

        One SGD step on the log-loss of softmax(prior + residual). Repeating steps until the corrected text
        itself gets the label overfits single posts (one sarcastic "Geweldig hoor, weer een storing" made
        "geweldig" negative) and made held-out accuracy dip below the lexicon's; one step does not."""
        target = _label_index(label)
        if _blank(text):
            return
        raw, entries = _scored(text, lang)
        s = np.array([lexicon.compound(raw)])
        _, occurrences = _features([entries])
        buckets, counts = np.unique(occurrences, return_counts=True)
        x = counts / math.sqrt(max(len(occurrences), 1))  # as _logits weighs them: 1/sqrt(n) per occurrence
        if self._w is None:
            self._w = np.zeros((MASK + 1, 3), dtype=np.float16)
        dense = _dense(s)[0]
        weights = self._w[buckets].astype(np.float64)
        gradient = _softmax(_prior(s)[0] + dense @ self._a + x @ weights)
        gradient[target] -= 1.0
        self._w[buckets] = (weights - LEARNING_RATE * np.outer(x, gradient)).astype(np.float16)
        self._a -= DENSE_LEARNING_RATE * np.outer(dense, gradient)
        self.learned += 1

    def learn_many(self, items: list[tuple[str, str, str]]) -> None:
        """Corrections in order: (text, lang, label). Labels are checked first, so a bad one learns nothing."""
        for _, _, label in items:
            _label_index(label)
        for text, lang, label in items:
            self.learn(text, lang, label)


def _same_length(items: Sequence[object], langs: Sequence[str]) -> None:
    if len(items) != len(langs):
        raise ValueError(f"{len(items)} texts but {len(langs)} languages")


def _label_index(label: str) -> int:
    try:
        return LABELS.index(label)
    except ValueError:
        raise ValueError(f"label must be one of {LABELS}, not {label!r}") from None


def _prior(compounds: np.ndarray) -> np.ndarray:
    k, t = PRIOR_SLOPE, NEUTRAL_BAND
    return np.stack([k * (-compounds - t), np.zeros_like(compounds), k * (compounds - t)], axis=1)


def _dense(compounds: np.ndarray) -> np.ndarray:
    return np.stack([compounds, np.abs(compounds), np.ones_like(compounds)], axis=1)


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max())
    return e / e.sum()


def _sentiment(label: int, implied: float) -> Sentiment:
    if label == 2:
        return Sentiment("positive", min(max(implied, 0.01), 1.0))
    if label == 0:
        return Sentiment("negative", max(min(implied, -0.01), -1.0))
    return Sentiment("neutral", min(max(implied, -NEUTRAL_BAND), NEUTRAL_BAND))
