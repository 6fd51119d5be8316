"""Language of a mention: "nl", "en" or "und" (undetermined, another language, or too short to tell).

Two stages, because lingua costs ~100-250 µs a text and ingestion needs far less:
1. Function words. Most posts of more than a few words contain several words that only Dutch, only English,
   or only some other European language uses ("het", "niet", "the", "and", "und", "les"). A word shared by
   several languages counts for each a share. When Dutch, English or the other languages together have at
   least MIN_HITS and twice the score of the rest, that is the answer ("und" for the others), a few µs.
   In a text of a few words one unambiguous function word is enough ("Bedankt!").
2. Otherwise (short, mixed, or another language) lingua decides, restricted to Dutch, English and the
   languages most often mixed into Dutch and English streams, so that German or French is recognised as such
   (and becomes "und") instead of being forced into Dutch or English.
"""

from __future__ import annotations

import re
from functools import cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

UNDETERMINED = "und"
MIN_HITS = 2.0
"""Function-word score a language needs before stage 1 decides on its own."""
DOMINANCE = 2.0
"""...and how many times every other language's score."""
SHORT_WORDS = 4
"""In a text this short a single function word of one language (and none of another) decides."""
MIN_LETTERS = 4
"""Texts with fewer letters than this are undetermined ("ok", "👍")."""
SCAN_CHARS = 1000
"""Only the start of a long text is read: its language does not change halfway, as a rule."""

_NL, _EN, _OTHER = 1, 2, 4
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")

_DUTCH = (
    "het", "een", "ik", "niet", "dat", "voor", "zijn", "maar", "ook", "nog", "wel", "geen", "naar", "bij", "uit",
    "om", "wat", "waarom", "mijn", "onze", "ons", "jullie", "hun", "wij", "ze", "zij", "hij", "zo", "als", "nu",
    "heb", "hebben", "heeft", "wordt", "worden", "werd", "kan", "kunnen", "kunt", "moet", "moeten", "weer", "echt",
    "heel", "erg", "gewoon", "toch", "nou", "hoor", "graag", "bedankt", "alweer", "deze", "dit", "ben", "bent", "je",
    "jij", "jouw", "uw", "met", "op", "aan", "er", "van", "dan", "tot", "mij", "jou", "nooit", "altijd", "vandaag",
    "morgen", "gisteren", "waar", "hier", "daar", "omdat", "zonder", "tegen", "veel", "meer", "iets", "niets", "niks",
    "iemand", "wanneer", "welke", "zou", "zal", "zullen", "gaat", "gaan", "ga", "komt", "komen", "krijg", "krijgen",
    "weet", "wil", "willen", "zien", "zit", "staat", "hoe", "dankjewel", "alstublieft", "bijna", "helemaal",
    "eigenlijk", "misschien", "waren", "hebt", "ikke", "zeg", "vind", "vindt", "keer", "uur", "minuten", "klanten",
)
_ENGLISH = (
    "the", "and", "you", "your", "my", "our", "they", "them", "he", "she", "not", "but", "for", "with", "at", "were",
    "be", "been", "are", "have", "has", "had", "does", "did", "will", "would", "can", "could", "should", "just", "so",
    "what", "why", "how", "who", "really", "very", "thanks", "please", "this", "that", "it", "it's", "i'm", "don't",
    "can't", "doesn't", "didn't", "isn't", "won't", "there", "their", "from", "about", "after", "again", "any",
    "because", "before", "being", "both", "each", "few", "more", "most", "other", "some", "such", "than", "too",
    "only", "own", "same", "here", "when", "where", "which", "while", "all", "get", "got", "still", "never", "always",
    "today", "tomorrow", "yesterday", "hours", "minutes", "since", "ever",
)
_SHARED_NL_EN = ("is", "was", "we", "me", "even", "door", "over", "of", "u", "hoe")
_SHARED_NL_OTHER = ("de", "en", "die", "te", "na", "al", "wie")
_SHARED_EN_OTHER = ("no", "i", "to", "a")
_OTHER_LANGUAGES = (
    "der", "das", "und", "ist", "nicht", "ich", "sie", "es", "ein", "eine", "mit", "auf", "für", "von", "zu", "den",
    "dem", "auch", "bei", "sich", "aber", "wir", "le", "la", "les", "et", "est", "un", "une", "des", "pour", "pas",
    "je", "vous", "nous", "il", "elle", "dans", "que", "qui", "ce", "avec", "sur", "mais", "très", "c'est", "el",
    "los", "las", "y", "una", "por", "para", "con", "muy", "pero", "lo", "se", "del", "di", "che", "non", "per",
    "sono", "gli", "della", "o", "os", "não", "com", "uma", "muito", "é", "ve", "bir", "bu", "çok", "için", "ile",
    "ama", "ne", "w", "nie", "się", "na", "że", "jest", "z", "do", "jak",
)


def _word_weights() -> dict[str, tuple[float, float, float]]:
    """Per function word, the share it gives (nl, en, other)."""
    masks: dict[str, int] = {}
    for words, mask in ((_DUTCH, _NL), (_ENGLISH, _EN), (_OTHER_LANGUAGES, _OTHER), (_SHARED_NL_EN, _NL | _EN),
                        (_SHARED_NL_OTHER, _NL | _OTHER), (_SHARED_EN_OTHER, _EN | _OTHER)):
        for word in words:
            masks[word] = masks.get(word, 0) | mask
    weights = {}
    for word, mask in masks.items():
        share = 1.0 / bin(mask).count("1")
        weights[word] = (share if mask & _NL else 0.0, share if mask & _EN else 0.0, share if mask & _OTHER else 0.0)
    return weights


_WEIGHTS = _word_weights()

_LINGUA_LANGUAGES = (Language.DUTCH, Language.ENGLISH, Language.GERMAN, Language.FRENCH, Language.SPANISH)
"""Dutch and English, and the three languages most often mistaken for them; texts in any other language
(whose function words did not already settle it) come out as one of these or as none, and so as "und"."""
_CODES = {Language.DUTCH: "nl", Language.ENGLISH: "en"}


@cache
def _detector() -> LanguageDetector:
    """Built once per process; lingua loads each language's model on first use."""
    return LanguageDetectorBuilder.from_languages(*_LINGUA_LANGUAGES).build()


def _by_function_words(text: str) -> str | None:
    """"nl", "en", "und" when the function words (or the lack of letters) decide; None when they do not."""
    words = text[:SCAN_CHARS].lower().split()  # a function word with punctuation attached is rare: not worth a regex
    if len(words) <= 3:
        words = _WORD.findall(" ".join(words))
        if sum(map(len, words)) < MIN_LETTERS:
            return UNDETERMINED
    nl = en = other = 0.0
    get = _WEIGHTS.get
    for w in filter(None, map(get, words)):
        nl += w[0]
        en += w[1]
        other += w[2]
    scores = (("nl", nl, max(en, other)), ("en", en, max(nl, other)), (UNDETERMINED, other, max(nl, en)))
    for code, score, rest in scores:
        if score >= MIN_HITS and score >= DOMINANCE * rest:
            return code
        if len(words) <= SHORT_WORDS and score >= 1.0 and not rest:
            return code  # "Bedankt!", "Thanks!": one unambiguous word settles a short text
    return None


def detect_languages(texts: list[str]) -> list[str]:
    """One code per text; the texts that function words do not settle go to lingua in one batch."""
    results: list[str | None] = [_by_function_words(t or "") for t in texts]
    pending = [i for i, r in enumerate(results) if r is None]
    if pending:
        found = _detector().detect_languages_in_parallel_of([texts[i][:SCAN_CHARS] for i in pending])
        for i, language in zip(pending, found, strict=True):
            results[i] = _CODES.get(language, UNDETERMINED) if language is not None else UNDETERMINED
    return [r or UNDETERMINED for r in results]


def detect_language(text: str) -> str:
    """"nl", "en" or "und" for one text."""
    return detect_languages([text])[0]
