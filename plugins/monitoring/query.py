"""The boolean search-query language of search profiles: parser, canonical text, matcher.

Pure Python, no dependencies: the profile editor validates with it, ingestion and the re-tag job match with it.

Language
--------
- ``zorg`` a term; ``"slecht nieuws"`` a phrase (consecutive words); ``klant*`` a wildcard (a word starting
  with "klant"; at least 2 letters or digits before the ``*``, and only at the end of a word, also inside
  a phrase: ``"klant* service"``).
- ``AND``, ``OR``, ``NOT`` in capitals are operators; ``and``/``or``/``not`` are ordinary words. Words next to
  each other are joined by an implicit AND. ``-term``, ``-"a phrase"``, ``-(a OR b)``: a minus right before
  an operand is short for NOT (a loose ``-`` is refused, inside a word it is a hyphen). Precedence
  NOT > AND > OR; parentheses group. ``NOT NOT x`` (also ``--x``) is refused: write it without the negations.
- Matching ignores case and accents ("Café" = "cafe"; ligatures, ß, ø, æ, œ, ł are folded too).
- Text is cut into words at every character that is not a letter, digit or underscore (Unicode-aware).
  A query term is cut the same way, so a term that falls apart becomes a phrase: ``e-mail`` is
  ``"e mail"``, ``kpn.com`` is ``"kpn com"``, ``auto's`` is ``"auto s"``.
- ``#zorg`` matches only the hashtag, ``@kpn`` only the handle; a plain ``zorg`` matches the word, ``#zorg``
  and ``@zorg`` (a tweet "@KPN storing" is a mention of KPN). ``jan@kpn.com`` holds no handle.
- A URL counts only with its host, without "www." (``https://www.kpn.com/x?utm_source=y`` reads as
  ``kpn.com``): ``kpn`` and ``kpn.com`` match it, the path and the tracking parameters do not. A URL in a
  query is read the same way. An e-mail address is just words: ``kpn`` matches "info@kpn.com".
- Dutch compounds are not split: ``zorg`` does not match "zorgverzekeraar" (``zorg*`` does). A hyphenated
  compound also counts as its closed form: ``zorgverzekeraar`` matches "zorg-verzekeraar".
- The parts of a `Document` (title, lead, body, author) are kept apart: a phrase never spans two parts.

Refused, with the position of the problem: an empty query, more than 1,000 characters, unbalanced
parentheses or quotation marks, empty parentheses or phrases, an operator without operand, a word without
letters or digits (``|``, ``&``), more than 20 levels of parentheses, more than 200 terms, a query with no
term outside a NOT (``NOT spam``), and an OR with an alternative that is only negated (``kpn OR NOT spam``
would match nearly everything). Thanks to the last two rules every match contains at least one positive
term, which lets `ProfileMatcher` look at only the profiles whose terms occur in a document.

`matches` is the plain reading of the AST; `ProfileMatcher` compiles each query once into closures that decide
runs of plain words with one set operation (the tests check both agree).

`to_text` writes the canonical form (explicit AND, NOT, folded words); ``parse(to_text(n)) == n``. The
canonical form can be longer than what the user typed (``a b`` → ``a AND b``, ``ﬁ`` → ``fi``), so store the
user's text: a query near the length limit may not fit once written canonically.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

MAX_LENGTH = 1000
MAX_DEPTH = 20
MAX_TERMS = 200
MIN_WILDCARD_STEM = 2
KEYWORDS = frozenset({"AND", "OR", "NOT"})


class QuerySyntaxError(ValueError):
    """A query that cannot be used; `msgid` is English and doubles as the gettext msgid."""

    def __init__(self, msgid: str, position: int, params: dict[str, object] | None = None) -> None:
        super().__init__(msgid, position, params)
        self.msgid = msgid
        self.position = position
        self.params: dict[str, object] = dict(params or {})
        self.profile_id: object = None
        """Set by `ProfileMatcher` to the profile whose query was refused."""

    def __str__(self) -> str:
        return f"{self.msgid.format(**self.params)} (position {self.position})"


# --- the AST -------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Term:
    """One folded word; ``#tag`` and ``@handle`` keep their sign; ``prefix`` for a wildcard."""

    text: str
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Phrase:
    """Two or more terms on consecutive positions."""

    terms: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Phrase | Not | And | Or


# --- folding and tokenising (shared by queries and documents, so both sides cut words alike) -----------

_EXTRA_FOLDS = {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h"}


def _fold_char(char: str) -> str:
    """Compatibility-decompose, drop diacritics, casefold; repeated until stable so folding is idempotent."""
    text = char
    for _ in range(4):
        decomposed = unicodedata.normalize("NFKD", text)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
        folded = "".join(_EXTRA_FOLDS.get(c, c) for c in folded)
        if folded == text:
            break
        text = folded
    return text


class _FoldTable(dict[int, str]):
    """`str.translate` table filled on first sight of a character: C speed after warm-up.

    Capped, so a stream of exotic code points cannot grow it without bound.
    """

    limit = 50_000

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        if len(self) < self.limit:
            self[code] = folded
        return folded


_FOLD = _FoldTable()


_NON_ASCII = re.compile(r"([^\x00-\x7f]+)")


def fold(text: str) -> str:
    """The form both sides are compared in: lower case, no accents; character by character, like the query side."""
    if text.isascii():
        return text.lower()
    pieces = _NON_ASCII.split(text)
    pieces[0::2] = [piece.lower() for piece in pieces[0::2]]
    pieces[1::2] = [piece.translate(_FOLD) for piece in pieces[1::2]]
    return "".join(pieces)


_WORD = re.compile(r"\w+")
_MARKED_WORD = re.compile(r"(?:(?<!\w)[#@])?\w+")
"""A word, with ``#``/``@`` kept when the sign starts it (not in ``jan@kpn.com``)."""
_SIGNED_WORD = re.compile(r"[#@]?\w+")
"""Twice as fast as `_MARKED_WORD`, and the same unless a sign follows a letter."""
_SIGN_AFTER_LETTER = re.compile(r"\w[#@]")
_QUERY_TOKEN = re.compile(r"(?:(?<!\w)[#@])?\w+|\*")
_HYPHENATED = re.compile(r"\b\w+(?:[-\u2010]\w+)+")
_URL = re.compile(r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"'()\[\]{}]+")
_URL_PATH = re.compile(r"[/?#]")


def _url_host(match: re.Match[str]) -> str:
    """Keep a URL's host only: its path and parameters are not what a mention says."""
    authority = _URL_PATH.split(match.group().split("://", 1)[-1], 1)[0]
    host = authority.rsplit("@", 1)[-1].split(":", 1)[0]
    return " " + host.removeprefix("www.") + " "


def _prepare(text: str) -> str:
    folded = fold(text)
    if "://" in folded or "www." in folded:
        folded = _URL.sub(_url_host, folded)
    return folded


def _words(text: str) -> tuple[list[str], list[str]]:
    """The folded text's words without and with their ``#``/``@``: two sequences of equal length."""
    if "#" not in text and "@" not in text:
        words = _WORD.findall(text)
        return words, words
    marked = (_MARKED_WORD if _SIGN_AFTER_LETTER.search(text) else _SIGNED_WORD).findall(text)
    return " ".join(marked).replace("#", "").replace("@", "").split(), marked


def _closed_compounds(text: str) -> list[str]:
    """"zorg-verzekeraar" also counts as "zorgverzekeraar"."""
    if "-" not in text and "\u2010" not in text:
        return []
    return [word.replace("-", "").replace("\u2010", "") for word in _HYPHENATED.findall(text)]


# --- documents -----------------------------------------------------------------------------------------

class Document:
    """A text cut into words once, then matched against every profile.

    ``bare`` and ``marked`` are the word sequences (``marked`` keeps ``#``/``@``), with ``""`` between parts;
    ``words`` holds every form for set lookups, ``sorted_words`` the same for prefix search with bisect.
    """

    __slots__ = ("bare", "marked", "words", "_sorted_words")

    def __init__(self, bare: list[str], marked: list[str], extra: Iterable[str] = ()) -> None:
        self.bare = bare
        self.marked = bare if marked == bare else marked
        words = set(bare)
        words.update(marked)
        words.update(extra)
        words.discard("")
        self.words = frozenset(words)
        self._sorted_words: list[str] | None = None

    @property
    def sorted_words(self) -> list[str]:
        """Sorted on first use: a document that meets no wildcard never pays for it."""
        if self._sorted_words is None:
            self._sorted_words = sorted(self.words)
        return self._sorted_words

    @classmethod
    def of(cls, *parts: str | None) -> Document:
        """Title, lead, body, author handle ...; empty parts are skipped.

        A handle counts as one only with its ``@``: pass ``@kpn_webcare`` for the query ``@kpn_webcare`` to match
        the author (``kpn_webcare`` matches either way).
        """
        bare: list[str] = []
        marked: list[str] = []
        compounds: list[str] = []
        for part in parts:
            if not part:
                continue
            text = _prepare(part)
            if bare:
                bare.append("")
                marked.append("")
            part_bare, part_marked = _words(text)
            bare += part_bare
            marked += part_marked
            compounds += _closed_compounds(text)
        return cls(bare, marked, compounds)

    def has_prefix(self, prefix: str) -> bool:
        words = self.sorted_words
        i = bisect_left(words, prefix)
        return i < len(words) and words[i].startswith(prefix)


# --- matching ------------------------------------------------------------------------------------------

_Check = Callable[[Document], bool]


def _is_marked(term: Term) -> bool:
    return term.text[0] in "#@"


def _term_at(term: Term, doc: Document, index: int) -> bool:
    token = (doc.marked if _is_marked(term) else doc.bare)[index]
    return token.startswith(term.text) if term.prefix else token == term.text


def _phrase_at(terms: tuple[Term, ...], doc: Document, start: int) -> bool:
    return all(_term_at(term, doc, start + i) for i, term in enumerate(terms))


def _phrase_finder(phrase: Phrase) -> _Check:
    """Check the phrase's exact words as a set, then walk the positions of its longest one with list.index."""
    terms = phrase.terms
    needed = frozenset(term.text for term in terms if not term.prefix)
    exact = [i for i, term in enumerate(terms) if not term.prefix]
    anchor = max(exact, key=lambda i: len(terms[i].text)) if exact else None

    def everywhere(doc: Document) -> bool:
        return any(_phrase_at(terms, doc, start) for start in range(len(doc.bare) - len(terms) + 1))

    def around_anchor(doc: Document) -> bool:
        if not needed <= doc.words:
            return False
        assert anchor is not None
        word, last_start = terms[anchor].text, len(doc.bare) - len(terms)
        sequence = doc.marked if _is_marked(terms[anchor]) else doc.bare
        position = -1
        while True:
            try:
                position = sequence.index(word, position + 1)
            except ValueError:
                return False
            start = position - anchor
            if 0 <= start <= last_start and _phrase_at(terms, doc, start):
                return True

    return everywhere if anchor is None else around_anchor


def matches(node: Node, doc: Document) -> bool:
    """Whether the document satisfies the query."""
    kind = type(node)
    if kind is Term:
        return doc.has_prefix(node.text) if node.prefix else node.text in doc.words
    if kind is And:
        return all(matches(child, doc) for child in node.children)
    if kind is Or:
        return any(matches(child, doc) for child in node.children)
    if kind is Not:
        return not matches(node.child, doc)
    return _phrase_finder(node)(doc)


def _plain(node: Node) -> bool:
    return isinstance(node, Term) and not node.prefix


def _plain_words(node: Node) -> frozenset[str] | None:
    """The words of a plain term or of an OR of plain terms: one set operation decides them."""
    if isinstance(node, Term) and not node.prefix:
        return frozenset({node.text})
    if isinstance(node, Or) and all(_plain(child) for child in node.children):
        return frozenset(child.text for child in node.children)  # type: ignore[union-attr]
    return None


def _cost(node: Node) -> int:
    """Rough evaluation cost, to try cheap parts of an AND first."""
    if isinstance(node, Term):
        return 1
    if isinstance(node, Phrase):
        return 4
    if isinstance(node, Not):
        return _cost(node.child)
    return sum(_cost(child) for child in node.children)


def _all_of(required: frozenset[str], excluded: frozenset[str], rest: list[_Check]) -> _Check:
    def check(doc: Document) -> bool:
        words = doc.words
        if not (required <= words and excluded.isdisjoint(words)):
            return False
        for part in rest:  # noqa: SIM110 - a loop, no generator per call on the hot path
            if not part(doc):
                return False
        return True

    return check


def _any_of(words: frozenset[str], rest: list[_Check]) -> _Check:
    def check(doc: Document) -> bool:
        if not words.isdisjoint(doc.words):
            return True
        for part in rest:  # noqa: SIM110 - as above
            if part(doc):
                return True
        return False

    return check


def _compile(node: Node) -> _Check:
    """`matches` turned into closures, plain words folded into set operations: `ProfileMatcher`'s hot path."""
    if isinstance(node, Term):
        text = node.text
        return (lambda doc: doc.has_prefix(text)) if node.prefix else (lambda doc: text in doc.words)
    if isinstance(node, Phrase):
        return _phrase_finder(node)
    if isinstance(node, Not):
        words = _plain_words(node.child)
        if words is not None:
            return lambda doc: words.isdisjoint(doc.words)
        inner = _compile(node.child)
        return lambda doc: not inner(doc)
    if isinstance(node, Or):
        plain = frozenset(child.text for child in node.children if isinstance(child, Term) and not child.prefix)
        return _any_of(plain, [_compile(child) for child in node.children if not _plain(child)])
    required: set[str] = set()
    excluded: set[str] = set()
    rest: list[Node] = []
    for child in node.children:
        negated = _plain_words(child.child) if isinstance(child, Not) else None
        if isinstance(child, Term) and not child.prefix:
            required.add(child.text)
        elif negated is not None:
            excluded |= negated
        else:
            rest.append(child)
    rest.sort(key=_cost)
    return _all_of(frozenset(required), frozenset(excluded), [_compile(child) for child in rest])


# --- canonical text ------------------------------------------------------------------------------------

def _term_text(term: Term) -> str:
    return term.text + ("*" if term.prefix else "")


def to_text(node: Node) -> str:
    """Canonical form: explicit AND, NOT, folded words, parentheses only where needed (and around AND in OR)."""
    if isinstance(node, Term):
        return _term_text(node)
    if isinstance(node, Phrase):
        return '"' + " ".join(_term_text(term) for term in node.terms) + '"'
    if isinstance(node, Not):
        inner = to_text(node.child)
        return f"NOT ({inner})" if isinstance(node.child, And | Or | Not) else f"NOT {inner}"
    if isinstance(node, And):
        return " AND ".join(f"({to_text(c)})" if isinstance(c, Or) else to_text(c) for c in node.children)
    return " OR ".join(f"({to_text(c)})" if isinstance(c, And) else to_text(c) for c in node.children)


def positive_terms(node: Node) -> list[str]:
    """Canonical text of each term and phrase outside any NOT, once each, in query order (for highlighting).

    Every item parses back to its `Term` or `Phrase`: ``zorg``, ``#zorg``, ``klant*``, ``"slecht nieuws"``.
    """
    found: dict[str, None] = {}

    def walk(n: Node) -> None:
        if isinstance(n, Term | Phrase):
            found[to_text(n)] = None
        elif isinstance(n, And | Or):
            for child in n.children:
                walk(child)

    walk(node)
    return list(found)


def _anchored(node: Node) -> bool:
    """Every document the node matches contains one of its positive terms."""
    if isinstance(node, Term | Phrase):
        return True
    if isinstance(node, And):
        return any(_anchored(child) for child in node.children)
    if isinstance(node, Or):
        return all(_anchored(child) for child in node.children)
    return False


# --- lexing --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "term", "and", "or", "not", "(", ")", "end"
    position: int
    text: str
    node: Term | Phrase | None = field(default=None, compare=False)


_OPERAND_START = frozenset({"term", "not", "("})


def _fold_with_offsets(raw: str, offset: int) -> tuple[str, list[int]]:
    """Fold character by character, remembering where each folded character came from."""
    if raw.isascii():
        return raw.lower(), list(range(offset, offset + len(raw) + 1))
    pieces: list[str] = []
    origins: list[int] = []
    for i, char in enumerate(raw):
        folded = _FOLD[ord(char)]
        pieces.append(folded)
        origins += [offset + i] * len(folded)
    origins.append(offset + len(raw))
    return "".join(pieces), origins


def _check_wildcard(folded: str, star: int, stem: Term | None, position: int) -> None:
    """A ``*`` is allowed right after a word of two or more characters, and only there."""
    if _WORD.match(folded, star + 1) or folded[star - 1:star] == "*":
        raise QuerySyntaxError(msgid="A wildcard * can only end a word", position=position)
    if stem is None or len(stem.text.lstrip("#@")) < MIN_WILDCARD_STEM:
        raise QuerySyntaxError(msgid="A wildcard needs at least {minimum} characters before the *",
                               position=position, params={"minimum": MIN_WILDCARD_STEM})


def _terms_of(raw: str, offset: int) -> list[Term]:
    """Cut a query word or phrase into terms exactly as documents are cut; ``*`` ends a word as a wildcard."""
    folded, origins = _fold_with_offsets(raw, offset)
    if "://" in folded or "www." in folded:
        folded = _URL.sub(_url_host, folded)
        origins = [offset] * (len(folded) + 1)
    terms: list[Term] = []
    previous_end = -1
    for match in _QUERY_TOKEN.finditer(folded):
        if match.group() != "*":
            terms.append(Term(match.group()))
            previous_end = match.end()
            continue
        star = match.start()
        _check_wildcard(folded, star, terms[-1] if terms and star == previous_end else None, origins[star])
        terms[-1] = Term(terms[-1].text, prefix=True)
    return terms


def _leaf(terms: list[Term]) -> Term | Phrase:
    return terms[0] if len(terms) == 1 else Phrase(tuple(terms))


def _lex_phrase(text: str, start: int) -> tuple[_Token, int]:
    end = text.find('"', start + 1)
    if end < 0:
        raise QuerySyntaxError(msgid="Unclosed quotation mark", position=start)
    terms = _terms_of(text[start + 1:end], start + 1)
    if not terms:
        raise QuerySyntaxError(msgid="Empty phrase", position=start)
    return _Token("term", start, text[start:end + 1], _leaf(terms)), end + 1


def _lex_word(text: str, start: int) -> tuple[_Token, int]:
    end = start
    while end < len(text) and not text[end].isspace() and text[end] not in '()"':
        end += 1
    word = text[start:end]
    if word in KEYWORDS:
        return _Token(word.lower(), start, word), end
    terms = _terms_of(word, start)
    if not terms:
        raise QuerySyntaxError(msgid="{term} contains no letters or digits", position=start, params={"term": word})
    return _Token("term", start, word, _leaf(terms)), end


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(_Token(char, i, char))
            i += 1
        elif char == "-" and i + 1 < len(text) and not text[i + 1].isspace() and text[i + 1] != ")":
            tokens.append(_Token("not", i, "-"))
            i += 1
        elif char == '"':
            token, i = _lex_phrase(text, i)
            tokens.append(token)
        else:
            token, i = _lex_word(text, i)
            tokens.append(token)
    tokens.append(_Token("end", len(text), ""))
    return tokens


# --- parsing -------------------------------------------------------------------------------------------

def _flat(kind: type[And] | type[Or], items: list[Node]) -> Node:
    """One AND (or OR) node for ``a AND (b AND c)``: the canonical form has a single shape per meaning."""
    if len(items) == 1:
        return items[0]
    children: list[Node] = []
    for item in items:
        children += item.children if isinstance(item, kind) else [item]
    return kind(tuple(children))


class _Parser:
    """Recursive descent over the tokens: or := and (OR and)*; and := unary (AND? unary)*; unary := NOT? primary."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.leaves = 0
        self.starts: dict[int, int] = {}
        """id(node) → where its text starts, to point at an OR alternative afterwards."""

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def query(self) -> Node:
        node = self.disjunction(group=None)
        if self.peek().kind == ")":
            raise QuerySyntaxError(msgid="Closing parenthesis without an opening one", position=self.peek().position)
        return node

    def disjunction(self, group: _Token | None) -> Node:
        alternatives = [self.conjunction(group=group, after=None)]
        while self.peek().kind == "or":
            operator = self.take()
            alternatives.append(self.conjunction(group=None, after=operator))
        return _flat(Or, alternatives)

    def conjunction(self, group: _Token | None, after: _Token | None) -> Node:
        start = self.peek().position
        items = [self.operand(group=group, after=after)]
        while True:
            token = self.peek()
            if token.kind == "and":
                self.take()
                items.append(self.operand(group=None, after=token))
            elif token.kind in _OPERAND_START:
                items.append(self.unary())
            else:
                break
        node = _flat(And, items)
        self.starts[id(node)] = start
        return node

    def operand(self, group: _Token | None, after: _Token | None) -> Node:
        """An operand where one is required, or the reason there is none."""
        token = self.peek()
        if token.kind in _OPERAND_START:
            return self.unary()
        if after is not None:
            raise QuerySyntaxError(msgid="Expected a term after {operator}", position=after.position,
                                   params={"operator": after.text})
        if token.kind in ("and", "or"):
            raise QuerySyntaxError(msgid="Expected a term before {operator}", position=token.position,
                                   params={"operator": token.text})
        if group is not None and token.kind == ")":
            raise QuerySyntaxError(msgid="Empty parentheses", position=group.position)
        if group is not None:
            raise QuerySyntaxError(msgid="Unclosed parenthesis", position=group.position)
        if token.kind == ")":
            raise QuerySyntaxError(msgid="Closing parenthesis without an opening one", position=token.position)
        raise QuerySyntaxError(msgid="The query is empty", position=0)

    def unary(self) -> Node:
        if self.peek().kind != "not":
            return self.primary()
        operator = self.take()
        token = self.peek()
        if token.kind == "not":
            raise QuerySyntaxError(msgid="Two negations in a row", position=token.position)
        if token.kind not in _OPERAND_START:
            raise QuerySyntaxError(msgid="Expected a term after {operator}", position=operator.position,
                                   params={"operator": operator.text})
        return Not(self.primary())

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "term":
            self.leaves += 1
            if self.leaves > MAX_TERMS:
                raise QuerySyntaxError(msgid="The query has more than {limit} terms", position=token.position,
                                       params={"limit": MAX_TERMS})
            assert token.node is not None
            return token.node
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QuerySyntaxError(msgid="Parentheses are nested deeper than {limit} levels",
                                   position=token.position, params={"limit": MAX_DEPTH})
        node = self.disjunction(group=token)
        if self.take().kind != ")":
            raise QuerySyntaxError(msgid="Unclosed parenthesis", position=token.position)
        self.depth -= 1
        return node

    def check_positive(self, root: Node, text: str) -> None:
        """Refuse a query that could match a document without any of its terms."""
        if not positive_terms(root):
            raise QuerySyntaxError(msgid="A query needs at least one term that is not negated",
                                   position=len(text) - len(text.lstrip()))
        if not _anchored(root):
            culprit = _unanchored_alternative(root)
            raise QuerySyntaxError(msgid="Each alternative of OR needs a term that is not negated",
                                   position=self.starts.get(id(culprit), 0))


def _unanchored_alternative(node: Node) -> Node:
    """The OR alternative that has no positive term, inside an unanchored node that has some."""
    if isinstance(node, Or):
        for child in node.children:
            if not _anchored(child):
                return _unanchored_alternative(child) if positive_terms(child) else child
    if isinstance(node, And):
        for child in node.children:
            if positive_terms(child):
                return _unanchored_alternative(child)
    return node


def parse(text: str) -> Node:
    """The query's AST, or `QuerySyntaxError` saying what is wrong and where."""
    if len(text) > MAX_LENGTH:
        raise QuerySyntaxError(msgid="The query is longer than {limit} characters", position=MAX_LENGTH,
                               params={"limit": MAX_LENGTH})
    if not text.strip():
        raise QuerySyntaxError(msgid="The query is empty", position=0)
    parser = _Parser(_lex(text))
    root = parser.query()
    parser.check_positive(root, text)
    return root


# --- many profiles against one document ----------------------------------------------------------------

@dataclass(frozen=True)
class ProfileSpec:
    id: object
    query: str
    languages: frozenset[str] = frozenset()
    """Empty: any language ("nl", "en", "und")."""
    source_types: frozenset[str] = frozenset()
    """Empty: any source type (news, blog, forum, microblog, social, review, video, other)."""


_Anchor = tuple[str, str]
"""("word", text) must be in `Document.words`; ("prefix", text) must start one of them."""


def _anchor_cost(anchors: list[_Anchor]) -> tuple[int, int]:
    return sum(kind == "prefix" for kind, _ in anchors), len(anchors)


def _anchors(node: Node) -> list[_Anchor]:
    """Terms of which every matching document holds at least one: only those profiles are evaluated."""
    if isinstance(node, Term):
        return [("prefix" if node.prefix else "word", node.text)]
    if isinstance(node, Phrase):
        exact = [term for term in node.terms if not term.prefix]
        if exact:
            return [("word", max(exact, key=lambda term: len(term.text)).text)]
        return [("prefix", max(node.terms, key=lambda term: len(term.text)).text)]
    if isinstance(node, Or):
        return [anchor for child in node.children for anchor in _anchors(child)]
    assert isinstance(node, And)
    return min((_anchors(child) for child in node.children if _anchored(child)), key=_anchor_cost)


@dataclass(frozen=True, slots=True)
class _Profile:
    id: object
    check: _Check
    languages: frozenset[str]
    source_types: frozenset[str]


class ProfileMatcher:
    """Every active profile of a tenant, parsed once; `match` evaluates only profiles a document can satisfy."""

    def __init__(self, profiles: Iterable[ProfileSpec]) -> None:
        self._profiles: list[_Profile] = []
        self._by_word: dict[str, list[int]] = {}
        by_prefix: dict[str, list[int]] = {}
        for index, spec in enumerate(profiles):
            try:
                node = parse(spec.query)
            except QuerySyntaxError as exc:
                exc.profile_id = spec.id
                raise
            languages, source_types = frozenset(spec.languages), frozenset(spec.source_types)
            self._profiles.append(_Profile(spec.id, _compile(node), languages, source_types))
            for kind, text in dict.fromkeys(_anchors(node)):
                (self._by_word if kind == "word" else by_prefix).setdefault(text, []).append(index)
        self._words = frozenset(self._by_word)
        self._by_prefix = list(by_prefix.items())

    def _candidates(self, doc: Document) -> set[int]:
        candidates: set[int] = set()
        for word in self._words.intersection(doc.words):
            candidates.update(self._by_word[word])
        for prefix, indexes in self._by_prefix:
            if doc.has_prefix(prefix):
                candidates.update(indexes)
        return candidates

    def match(self, doc: Document, language: str, source_type: str) -> list[object]:
        """Ids of the matching profiles, in the order the profiles were given."""
        found: list[object] = []
        for index in sorted(self._candidates(doc)):
            profile = self._profiles[index]
            if profile.languages and language not in profile.languages:
                continue
            if profile.source_types and source_type not in profile.source_types:
                continue
            if profile.check(doc):
                found.append(profile.id)
        return found
