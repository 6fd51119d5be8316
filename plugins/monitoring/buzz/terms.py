"""Terms and hashtags of a mention, for the "top terms" rankings and the baseline's audience needs.

A term counts once per mention (how many mentions use it), so one long rant does not crown a word.
Dutch and English stopwords, numbers, URLs, @handles and tokens shorter than three letters are dropped:
what remains is what people talk about.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
HASHTAG = re.compile(r"(?<![\w#])#(\w[\w-]{1,98})", re.UNICODE)
TOKEN = re.compile(r"[#@]?\w[\w'’-]*", re.UNICODE)
DIGIT = re.compile(r"\d")
MIN_LENGTH = 3
MAX_LENGTH = 60


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


DUTCH = _words("""
aan af al alle alleen allemaal als altijd andere anders ben bij bijna daar daarna daarom dan dat de deze die dit
doch doen door dus echter een eens eigen elk en enige enkele er ergens even geen geweest gehad gelijk gewoon graag
had hadden heb hebben hebt heeft hem hen het hier hij hoe hoewel hun iemand iets ik in is ja je jij jou jouw jullie
kan kon konden kunnen kwam maar mag me meer men met mij mijn moet moeten na naar net niet niets nog nooit nou nu of
om omdat ons onze ook op over pas reeds uit uw van veel voor vooral waar waarom wanneer want was waren wat we weer
wel werd werden wie wij wil willen word worden wordt zal ze zei zelf zich zij zijn zo zoals zonder zou zouden zullen
tot toen tegen tussen onder boven binnen buiten sinds via volgens zelfs steeds zeer erg echt heel even alweer
welke welk iedereen niemand zichzelf elkaar daarvan hiervan waarvan daarmee hiermee waarmee eraan erop erin eruit
elke elk elkaar mee mogen moest moesten zult zullen hoor toch dus zoals hun hen haar hare dezelfde hetzelfde
anderen ieder iedere
jullie jou jouw uw onze ons mijn mij wat welke gaat gaan ging gingen komt komen zie zien zag zegt zeggen kun kunt
""")

ENGLISH = _words("""
a about above after again against all also am an and any are aren as at be because been before being below between
both but by can cannot could couldn did didn do does doesn doing don down during each few for from further get got
had hadn has hasn have haven having he her here hers herself him himself his how however i if in into is isn it its
itself just let me more most mustn my myself no nor not now of off on once only or other ought our ours ourselves
out over own same shan she should shouldn so some such than that the their theirs them themselves then there these
they this those through to too under until up very was wasn we were weren what when where which while who whom why
please will with won would wouldn you your yours yourself yourselves yes via per really still even much many one two
like just also would could should might must shall may today yesterday tomorrow thing things something anything
everything nothing someone anyone everyone make made says said say going gone come came know see seen new
""")

STOPWORDS = DUTCH | ENGLISH


@lru_cache(maxsize=200_000)
def _term(raw: str) -> str | None:
    """A token as a term, or None (stopword, number, too short or long); cached: vocabularies are Zipfian."""
    token = raw.strip("'’-_").lower()
    if len(token) < MIN_LENGTH or len(token) > MAX_LENGTH or token in STOPWORDS or DIGIT.search(token):
        return None
    return token


def terms_of(*texts: str) -> frozenset[str]:
    """The distinct terms of the texts (title, lead, body), lowercased."""
    found: set[str] = set()
    for text in texts:
        if not text:
            continue
        for raw in TOKEN.findall(URL.sub(" ", text)):
            if raw[0] not in "#@" and (term := _term(raw)) is not None:
                found.add(term)
    return frozenset(found)


def hashtags_of(*texts: str, tags: Iterable[str] = ()) -> frozenset[str]:
    """The distinct hashtags (lowercased, without '#') of the texts, plus tags given as '#tag'."""
    found = {h.lower().rstrip("-") for text in texts if text for h in HASHTAG.findall(URL.sub(" ", text))}
    found |= {str(t)[1:].lower() for t in tags or () if isinstance(t, str) and t.startswith("#") and len(t) > 2}
    return frozenset(h[:MAX_LENGTH] for h in found if h and not h.isdigit())
