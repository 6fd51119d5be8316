"""The search-query language: what parses to what, what is refused where, what matches what."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugins.monitoring.query import (
    And,
    Document,
    Not,
    Or,
    Phrase,
    ProfileMatcher,
    ProfileSpec,
    QuerySyntaxError,
    Term,
    fold,
    matches,
    parse,
    positive_terms,
    to_text,
)

FAST = settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
"""Deadline off: the machine is shared, and a slow example is not a wrong one."""


def hit(query: str, *parts: str) -> bool:
    return matches(parse(query), Document.of(*parts))


def refusal(query: str) -> QuerySyntaxError:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    return caught.value


# --- parsing ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "canonical"), [
    ("zorg", "zorg"),
    ("  Zorg ", "zorg"),
    ("a b OR c", "(a AND b) OR c"),
    ("a OR b c", "a OR (b AND c)"),
    ("a AND b OR c AND d", "(a AND b) OR (c AND d)"),
    ("NOT a b", "NOT a AND b"),
    ("a NOT b", "a AND NOT b"),
    ("a -b", "a AND NOT b"),
    ('a -"b c"', 'a AND NOT "b c"'),
    ("a -(b OR c)", "a AND NOT (b OR c)"),
    ("((a))", "a"),
    ("(a AND (b AND c))", "a AND b AND c"),
    ("(a OR (b OR c)) d", "(a OR b OR c) AND d"),
    ("a AND (b OR (c AND NOT d))", "a AND (b OR (c AND NOT d))"),
    ("a AND NOT (NOT b)", "a AND NOT (NOT b)"),
    ("x(y)", "x AND y"),
    ("and or not", "and AND or AND not"),
    ('"AND" Or', "and AND or"),
    ('"zorg"', "zorg"),
    ('"Slecht,  nieuws!"', '"slecht nieuws"'),
    ("e-mail", '"e mail"'),
    ("kpn.com", '"kpn com"'),
    ("https://www.KPN.com/zakelijk?utm_source=x", '"kpn com"'),
    ("auto's", '"auto s"'),
    ("klant*", "klant*"),
    ('"klant* service"', '"klant* service"'),
    ("#Zorg @KPN #klant*", "#zorg AND @kpn AND #klant*"),
    ("Café ﬁets Straße Ørsted", "cafe AND fiets AND strasse AND orsted"),
])
def test_canonical_text(query: str, canonical: str) -> None:
    node = parse(query)
    assert to_text(node) == canonical
    assert parse(to_text(node)) == node


def test_the_tree_is_flat_and_precedence_is_not_and_or() -> None:
    assert parse("a b OR c -d") == Or((And((Term("a"), Term("b"))), And((Term("c"), Not(Term("d"))))))
    assert parse("(a AND b) AND (c AND d)") == And((Term("a"), Term("b"), Term("c"), Term("d")))
    assert parse('"klant* #zorg"') == Phrase((Term("klant", prefix=True), Term("#zorg")))


LONG_NESTING = "(" * 21 + "a" + ")" * 21


@pytest.mark.parametrize(("query", "msgid", "position", "params"), [
    ("", "The query is empty", 0, {}),
    ("  \t\n", "The query is empty", 0, {}),
    ("a" * 1001, "The query is longer than {limit} characters", 1000, {"limit": 1000}),
    ("(a", "Unclosed parenthesis", 0, {}),
    ("a (b OR (c)", "Unclosed parenthesis", 2, {}),
    ("a)", "Closing parenthesis without an opening one", 1, {}),
    (") a", "Closing parenthesis without an opening one", 0, {}),
    ("()", "Empty parentheses", 0, {}),
    ("a ( )", "Empty parentheses", 2, {}),
    ('"a', "Unclosed quotation mark", 0, {}),
    ('a "b c', "Unclosed quotation mark", 2, {}),
    ('""', "Empty phrase", 0, {}),
    ('a " ,. "', "Empty phrase", 2, {}),
    ("AND zorg", "Expected a term before {operator}", 0, {"operator": "AND"}),
    ("(OR a)", "Expected a term before {operator}", 1, {"operator": "OR"}),
    ("zorg OR", "Expected a term after {operator}", 5, {"operator": "OR"}),
    ("zorg AND", "Expected a term after {operator}", 5, {"operator": "AND"}),
    ("a AND OR b", "Expected a term after {operator}", 2, {"operator": "AND"}),
    ("(a AND) b", "Expected a term after {operator}", 3, {"operator": "AND"}),
    ("NOT", "Expected a term after {operator}", 0, {"operator": "NOT"}),
    ("a NOT", "Expected a term after {operator}", 2, {"operator": "NOT"}),
    ("a -AND b", "Expected a term after {operator}", 2, {"operator": "-"}),
    ("a -", "{term} contains no letters or digits", 2, {"term": "-"}),
    ("kpn - storing", "{term} contains no letters or digits", 4, {"term": "-"}),
    ("a | b", "{term} contains no letters or digits", 2, {"term": "|"}),
    ("a && b", "{term} contains no letters or digits", 2, {"term": "&&"}),
    ("NOT NOT zorg", "Two negations in a row", 4, {}),
    ("a --b", "Two negations in a row", 3, {}),
    ("NOT spam", "A query needs at least one term that is not negated", 0, {}),
    ("  -spam -ads", "A query needs at least one term that is not negated", 2, {}),
    ("NOT (a AND b)", "A query needs at least one term that is not negated", 0, {}),
    ("zorg OR NOT spam", "Each alternative of OR needs a term that is not negated", 8, {}),
    ("zorg OR (NOT a AND NOT b)", "Each alternative of OR needs a term that is not negated", 8, {}),
    ("x OR ((z OR -q) AND -r)", "Each alternative of OR needs a term that is not negated", 12, {}),
    ("k*", "A wildcard needs at least {minimum} characters before the *", 1, {"minimum": 2}),
    ("*", "A wildcard needs at least {minimum} characters before the *", 0, {"minimum": 2}),
    ("#k*", "A wildcard needs at least {minimum} characters before the *", 2, {"minimum": 2}),
    ('zorg "k* x"', "A wildcard needs at least {minimum} characters before the *", 7, {"minimum": 2}),
    ("*zorg", "A wildcard * can only end a word", 0, {}),
    ("kl*ant", "A wildcard * can only end a word", 2, {}),
    ("klant**", "A wildcard * can only end a word", 6, {}),
    ("Straßekl*ant", "A wildcard * can only end a word", 8, {}),
    (LONG_NESTING, "Parentheses are nested deeper than {limit} levels", 20, {"limit": 20}),
    (" ".join(["t"] * 201), "The query has more than {limit} terms", 400, {"limit": 200}),
])
def test_refusals_say_why_and_where(query: str, msgid: str, position: int, params: dict[str, object]) -> None:
    exc = refusal(query)
    assert (exc.msgid, exc.position, exc.params) == (msgid, position, params)
    assert str(exc) == f"{msgid.format(**params)} (position {position})"


def test_limits_are_inclusive() -> None:
    parse("(" * 20 + "a" + ")" * 20)
    parse(" ".join(["t"] * 200))
    parse("a" * 1000)
    parse("x AND (zorg OR -spam)")  # an OR alternative may be negated when the AND is anchored elsewhere


def test_error_is_a_value_error_and_survives_pickling() -> None:
    exc = refusal("zorg OR")
    assert isinstance(exc, ValueError)
    copy = pickle.loads(pickle.dumps(exc))
    assert (copy.msgid, copy.position, copy.params) == (exc.msgid, exc.position, exc.params)


def test_positive_terms_skip_negations_and_parse_back() -> None:
    node = parse('kpn OR #kpn OR "KPN storing" OR klant* -spam -(ads OR winactie) AND kpn AND NOT (a AND NOT b)')
    terms = positive_terms(node)
    assert terms == ["kpn", "#kpn", '"kpn storing"', "klant*"]
    assert [parse(term) for term in terms] == [Term("kpn"), Term("#kpn"), Phrase((Term("kpn"), Term("storing"))),
                                               Term("klant", prefix=True)]


# --- matching --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "text", "expected"), [
    # case, accents, folding
    ("cafe", "Café De Zwart", True),
    ("CAFÉ", "cafe", True),
    ('"café de zwart"', "CAFE DE ZWART!", True),
    ("strasse", "Straße", True),
    ("ελληνικα", "Ελληνικά κείμενα", True),
    ("москва", "Москва", True),
    ("5g", "Het 5G-netwerk", True),
    # hashtags and handles
    ("#zorg", "Goede #Zorg", True),
    ("zorg", "Goede #Zorg", True),
    ("#zorg", "goede zorg", False),
    ("@kpn", "@KPN help!", True),
    ("kpn", "@KPN help!", True),
    ("@kpn", "kpn help", False),
    ("#kpn", "@kpn help", False),
    ("@kpn", "mail info@kpn.com", False),
    ("kpn", "mail info@kpn.com", True),
    ("kpn.com", "mail info@kpn.com", True),
    ("#klant*", "#Klantenservice faalt", True),
    ("#klant*", "klantenservice faalt", False),
    # URLs: the host, not the path or the parameters
    ("kpn", "zie https://www.kpn.com/zakelijk?utm_source=twitter&x=1", True),
    ("kpn.com", "zie https://www.kpn.com/zakelijk?utm_source=twitter&x=1", True),
    ("twitter", "zie https://www.kpn.com/zakelijk?utm_source=twitter&x=1", False),
    ("zakelijk", "zie https://www.kpn.com/zakelijk?utm_source=twitter&x=1", False),
    ("https OR www OR utm_source", "zie https://www.kpn.com/zakelijk?utm_source=twitter&x=1", False),
    ("www.kpn.com", "op kpn.com/storing", True),
    # phrases
    ('"slecht nieuws"', "Slecht, nieuws!", True),
    ('"slecht nieuws"', "slecht en nieuws", False),
    ('"nieuws slecht"', "slecht nieuws", False),
    ('"slecht nieuws"', "slecht weer, slecht nieuws", True),
    ('"#zorg voor"', "#zorg voor iedereen", True),
    ('"zorg voor"', "#zorg voor iedereen", True),
    ('"#zorg voor"', "zorg voor iedereen", False),
    ('"klant* service"', "de klanten service", True),
    ('"kpn storing"', "kpn🔥storing", True),
    # wildcards and Dutch compounds
    ("klant*", "De klantenservice was top", True),
    ("klant*", "De klant was top", True),
    ("service*", "De klantenservice was top", False),
    ("zorg", "mijn zorgverzekeraar", False),
    ("zorg*", "mijn zorgverzekeraar", True),
    ("zorgverzekeraar", "mijn zorg-verzekeraar", True),
    ("zorg-verzekeraar", "mijn zorg-verzekeraar", True),
    ("zorg", "mijn zorg-verzekeraar", True),
    ("auto's", "twee auto's", True),
    # operators
    ("kpn (storing OR NOT internet)", "kpn storing internet", True),
    ("kpn (storing OR NOT internet)", "kpn internet", False),
    ("kpn (storing OR NOT internet)", "kpn tv", True),
    ("a OR b c", "a", True),
    ("a OR b c", "b", False),
    ("(a OR b) c", "a", False),
    ("kpn -storing", "kpn storing", False),
    ("kpn -\"storing voorbij\"", "kpn storing is voorbij", True),
    ("kpn -\"storing voorbij\"", "kpn storing voorbij", False),
    ("zorg and welzijn", "zorg en welzijn", False),
    ("zorg and welzijn", "zorg and welzijn", True),
])
def test_matching(query: str, text: str, expected: bool) -> None:
    assert hit(query, text) is expected
    assert (ProfileMatcher([ProfileSpec(1, query)]).match(Document.of(text), "nl", "news") == [1]) is expected


def test_parts_are_kept_apart_and_empty_parts_skipped() -> None:
    doc = Document.of("KPN", None, "", "storing bij de klantenservice")  # type: ignore[arg-type]
    assert matches(parse("kpn storing"), doc)
    assert not matches(parse('"kpn storing"'), doc)
    assert matches(parse('"storing bij"'), doc)
    assert not matches(parse("kpn"), Document.of())


# --- many profiles ---------------------------------------------------------------------------------------

def test_profile_matcher_filters_and_keeps_order() -> None:
    matcher = ProfileMatcher([
        ProfileSpec("any", "kpn"),
        ProfileSpec("dutch", "kpn", languages=frozenset({"nl"})),
        ProfileSpec("news", "kpn", source_types=frozenset({"news", "blog"})),
        ProfileSpec("both", "kpn", frozenset({"en"}), frozenset({"forum"})),
        ProfileSpec("other", "ziggo"),
        ProfileSpec("wild", "storing* -ziggo"),
        ProfileSpec("phrase", '"kpn storing" OR #kpnstoring'),
    ])
    doc = Document.of("KPN storing in Utrecht")
    assert matcher.match(doc, "nl", "news") == ["any", "dutch", "news", "wild", "phrase"]
    assert matcher.match(doc, "en", "forum") == ["any", "both", "wild", "phrase"]
    assert matcher.match(doc, "und", "microblog") == ["any", "wild", "phrase"]
    assert matcher.match(Document.of("ziggo storingen"), "nl", "news") == ["other"]
    assert matcher.match(Document.of("niets"), "nl", "news") == []


def test_profile_matcher_names_the_bad_profile() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        ProfileMatcher([ProfileSpec("good", "kpn"), ProfileSpec("bad", "kpn OR")])
    assert caught.value.profile_id == "bad"
    assert caught.value.position == 4


# --- properties ------------------------------------------------------------------------------------------

SYNTAX = ["AND", "OR", "NOT", "(", ")", '"', "-", "*", "#", "@", " ", "  ", "zorg", "kpn", "é", "K", "and", "x*",
          ".", "'", "https://www.kpn.com/a?b", "ß", "ﬁ", "\u0301", "ǅ", "İ", "ς", "Σ", "_", "0", "\t", "|"]
query_like = st.one_of(st.text(max_size=60), st.lists(st.sampled_from(SYNTAX), max_size=25).map("".join))


@FAST
@given(query_like)
def test_parse_refuses_only_with_query_syntax_error(text: str) -> None:
    try:
        node = parse(text)
    except QuerySyntaxError as exc:
        assert 0 <= exc.position <= len(text)
        assert str(exc)  # every placeholder has its value
    else:
        assert parse(to_text(node)) == node
        assert positive_terms(node)


WORDS = st.text(alphabet="abcdeéklnoöprstuzß", min_size=2, max_size=7)
LEAVES = st.one_of(
    WORDS,
    WORDS.map(lambda w: "#" + w),
    WORDS.map(lambda w: "@" + w),
    WORDS.map(lambda w: w + "*"),
    st.lists(WORDS, min_size=2, max_size=3).map(lambda ws: '"' + ", ".join(ws) + '"'),
)
VALID = st.recursive(LEAVES, lambda inner: st.one_of(
    st.tuples(inner, inner).map(lambda t: f"({t[0]}) OR ({t[1]})"),
    st.tuples(inner, inner).map(lambda t: f"({t[0]}) AND ({t[1]})"),
    st.tuples(inner, inner).map(lambda t: f"({t[0]}) ({t[1]})"),
    st.tuples(inner, inner).map(lambda t: f"({t[0]}) -({t[1]})"),
    st.tuples(inner, inner).map(lambda t: f"({t[0]}) AND NOT ({t[1]})"),
), max_leaves=8)


@FAST
@given(VALID)
def test_canonical_text_round_trips(query: str) -> None:
    node = parse(query)
    text = to_text(node)
    assert parse(text) == node
    assert to_text(parse(text)) == text


def _realise(term: str, shout: bool) -> str:
    """A piece of text that contains the term as a document would."""
    if term.startswith('"'):
        return " - ".join(term.strip('"').split(", "))
    text = term[:-1] + "en" if term.endswith("*") else term
    return text.upper() if shout and not text.startswith(("#", "@")) else text


@FAST
@given(st.lists(LEAVES, min_size=1, max_size=8), st.booleans(), st.booleans())
def test_a_document_with_every_term_of_an_and_query_matches(terms: list[str], explicit: bool, shout: bool) -> None:
    query = (" AND " if explicit else " ").join(terms)
    doc = Document.of(" . ".join(_realise(term, shout) for term in terms))
    assert matches(parse(query), doc)
    assert ProfileMatcher([ProfileSpec(0, query)]).match(doc, "nl", "news") == [0]


SMALL_WORDS = st.sampled_from(["kpn", "zorg", "klant", "klanten", "service", "storing", "nl", "zo"])
SMALL_LEAVES = st.one_of(
    SMALL_WORDS, SMALL_WORDS.map(lambda w: "#" + w), SMALL_WORDS.map(lambda w: "@" + w),
    st.sampled_from(["kl*", "klant*", "#klant*", "sto*", "zo*"]),
    st.lists(SMALL_WORDS, min_size=2, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"'),
    st.sampled_from(['"klant* service"', '"kl* zo*"']),
)
SMALL_QUERIES = st.recursive(SMALL_LEAVES, lambda inner: st.one_of(
    st.tuples(inner, inner).map(lambda t: f"({t[0]}) OR ({t[1]})"),
    st.tuples(inner, inner).map(lambda t: f"({t[0]}) ({t[1]})"),
    st.tuples(inner, inner).map(lambda t: f"({t[0]}) -({t[1]})"),
    st.tuples(inner, inner, inner).map(lambda t: f"({t[0]}) (({t[1]}) OR -({t[2]}))"),
), max_leaves=8)
SMALL_TEXTS = st.lists(st.one_of(SMALL_WORDS, SMALL_WORDS.map(lambda w: "#" + w), SMALL_WORDS.map(lambda w: "@" + w),
                                 st.sampled_from(["zorg-service", "klantenservice", ",", "KPN.nl"])),
                       max_size=12).map(" ".join)


@settings(FAST, max_examples=60)
@given(st.lists(SMALL_QUERIES, min_size=1, max_size=4), SMALL_TEXTS, SMALL_TEXTS)
def test_profile_matcher_agrees_with_matches(queries: list[str], title: str, body: str) -> None:
    """The prefilter and the compiled checks change speed, never the answer."""
    doc = Document.of(title, body)
    expected = [i for i, query in enumerate(queries) if matches(parse(query), doc)]
    specs = [ProfileSpec(i, query) for i, query in enumerate(queries)]
    assert ProfileMatcher(specs).match(doc, "nl", "news") == expected


@FAST
@given(st.text(max_size=80))
def test_any_text_quoted_as_a_phrase_matches_itself(text: str) -> None:
    """Queries and documents are folded and cut into words alike."""
    if Document.of(text).bare and not {"*", '"'} & set(fold(text)):
        assert matches(parse(f'"{text}"'), Document.of(text))


@FAST
@given(st.text(max_size=80))
def test_documents_keep_two_aligned_sequences_and_folding_is_stable(text: str) -> None:
    doc = Document.of(text, text)
    assert len(doc.bare) == len(doc.marked)
    assert all(marked.lstrip("#@") == bare for bare, marked in zip(doc.bare, doc.marked, strict=True))
    assert fold(fold(text)) == fold(text)
