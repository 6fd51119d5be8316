"""Property tests for the parsers that take text from people and files: whatever comes in, the answer is a
result or the parser's documented, field-level error — never another exception (which would be a 500)."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import DomainError
from core.evidence.service import parse_kpis, parse_values
from plugins.monitoring.query import QuerySyntaxError, parse, to_text
from plugins.monitoring.sources.imports import BrokenFile, clean_mapping, read_table, suggest_mapping, validate_rows

BOUNDED = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.too_slow])

# Query-like text: the language's own pieces, so the parser's deeper paths are reached, plus any text at all.
PIECES = st.sampled_from(["merk", "Regie", "kpn*", "*", "a*", '"', '"bad service"', "(", ")", "AND", "OR", "NOT",
                          "-", "-klacht", "é", "ß", "#tag", "@user", "https://x.nl/a", "ä*", "  ", "\t", "\x00"])
QUERY_LIKE = st.lists(PIECES, max_size=25).map(" ".join)
ANY_QUERY = st.one_of(QUERY_LIKE, st.text(max_size=300))


@BOUNDED
@given(ANY_QUERY)
def test_any_query_text_parses_or_raises_the_documented_error(text: str) -> None:
    try:
        node = parse(text)
    except QuerySyntaxError as exc:
        assert exc.msgid and 0 <= exc.position <= max(len(text), 1000)
        str(exc)  # the message renders with its parameters
        return
    assert node is not None


@BOUNDED
@given(QUERY_LIKE)
def test_a_parsed_query_printed_back_parses_to_the_same_tree(text: str) -> None:
    """`to_text` is what the UI shows and stores: printing then parsing again must not change the meaning."""
    try:
        node = parse(text)
    except QuerySyntaxError:
        return
    printed = to_text(node)
    assert parse(printed) == node
    assert to_text(parse(printed)) == printed  # printing is idempotent


VALUE_LINES = st.lists(st.one_of(
    st.tuples(st.from_regex(r"[a-z][a-z0-9_.-]{0,20}", fullmatch=True),
              st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(str), st.text(max_size=8)))
    .map(lambda kv: f"{kv[0]}={kv[1]}"),
    st.text(max_size=40)), max_size=8).map("\n".join)


@BOUNDED
@given(st.one_of(VALUE_LINES, st.text(max_size=200),
                 st.dictionaries(st.text(max_size=10), st.one_of(st.text(max_size=5), st.floats()), max_size=4)))
def test_parse_values_gives_numbers_or_a_domain_error(text: object) -> None:
    try:
        values = parse_values(text)
    except DomainError as exc:
        assert "values" in exc.errors
        return
    assert all(isinstance(v, float) and v == v for v in values.values())


KPI_LINES = st.lists(st.lists(st.one_of(st.from_regex(r"[a-z][a-z0-9_.]{0,12}", fullmatch=True),
                                        st.text(max_size=12), st.sampled_from(["count", "sum", "up", "%"])),
                              min_size=1, max_size=10).map(" | ".join), max_size=6).map("\n".join)


@BOUNDED
@given(st.one_of(KPI_LINES, st.text(max_size=300),
                 st.lists(st.dictionaries(st.sampled_from(["key", "name", "definition", "source", "kind", "unit"]),
                                          st.one_of(st.text(max_size=10), st.integers(), st.none())),
                          max_size=3)))
def test_parse_kpis_gives_a_list_or_a_domain_error(text: object) -> None:
    try:
        kpis = parse_kpis(text)
    except DomainError as exc:
        assert exc.errors
        return
    assert isinstance(kpis, list) and all(isinstance(k, dict) and k.get("key") for k in kpis)


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


CELLS = st.text(max_size=12)
HEADER = st.lists(st.sampled_from(["text", "url", "published_at", "author", "reach", "tags", "language",
                                   "source_type", "title", "extra"]), min_size=1, max_size=6, unique=True)
CSV_FILES = st.tuples(HEADER, st.lists(st.lists(CELLS, max_size=7), max_size=6)).map(
    lambda hr: _csv([hr[0], *hr[1]]))
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | CELLS,
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(CELLS, inner, max_size=4),
                           max_leaves=12)
JSON_FILES = st.one_of(
    st.lists(st.dictionaries(st.sampled_from(["text", "url", "published_at", "author", "reach", "tags"]),
                             JSON_VALUES, max_size=5), max_size=5),
    JSON_VALUES).map(lambda doc: json.dumps(doc).encode())


MAPPINGS = st.one_of(st.none(), st.text(max_size=40),
                     st.dictionaries(st.sampled_from(["external_id", "published_at", "text", "url", "bogus"]),
                                     st.one_of(CELLS, st.integers()), max_size=4).map(json.dumps))


@BOUNDED
@given(st.one_of(CSV_FILES.map(lambda b: (b, "csv", "export.csv")),
                 JSON_FILES.map(lambda b: (b, "json", "export.json")),
                 JSON_FILES.map(lambda b: (b, "json", "export.jsonl")),
                 st.binary(max_size=400).map(lambda b: (b, "csv", "x.csv")),
                 st.binary(max_size=400).map(lambda b: (b, "json", "x.json"))),
       MAPPINGS)
def test_any_import_file_gives_rows_and_a_rejection_report_or_a_clean_error(upload: tuple[bytes, str, str],
                                                                            raw_mapping: str | None) -> None:
    data, file_format, name = upload
    try:
        table = read_table(data, file_format, name)
    except BrokenFile as exc:
        assert "file" in exc.errors
        return
    try:  # the mapping as typed by a person, else the one suggested from the column names
        mapping = clean_mapping(raw_mapping, table.columns) if raw_mapping is not None else \
            suggest_mapping(table.columns)
    except DomainError as exc:
        assert exc.errors
        return
    valid, rejected = validate_rows(table, mapping)
    numbers = {n for n, _row in table.rows}
    assert {n for n, _item in valid} <= numbers
    assert {e["row"] for e in rejected} <= numbers
    assert not {n for n, _item in valid} & {e["row"] for e in rejected}  # a row is imported or reported
    for entry in rejected:
        assert entry["field"] and entry["reason"] and entry["msgid"]
