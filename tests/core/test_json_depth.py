"""`check_json_depth` refuses documents nested deeper than the parsers can take, before they are parsed."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import DomainError
from core.validation import MAX_JSON_DEPTH, check_json_depth


def depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


documents = st.recursive(st.none() | st.integers() | st.text(alphabet="[]{}\"\\ab"),
                         lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                                      max_size=3),
                         max_leaves=40)


@given(documents, st.integers(min_value=1, max_value=8))
def test_agrees_with_the_real_depth(document: object, limit: int) -> None:
    """Brackets inside strings do not count; the answer matches the parsed document's nesting."""
    text = json.dumps(document)
    if depth(document) > limit:
        with pytest.raises(DomainError):
            check_json_depth(text, limit=limit)
    else:
        check_json_depth(text, limit=limit)


def test_a_hostile_document_is_refused_with_the_field() -> None:
    for hostile in (b"[" * 100_000, b'{"a":' * 50_000):
        with pytest.raises(DomainError) as refused:
            check_json_depth(hostile, "file")
        assert list(refused.value.errors) == ["file"]
        reason = refused.value.errors["file"].render("en")
        assert reason == f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep."


def test_wide_but_shallow_documents_pass() -> None:
    check_json_depth(json.dumps([[i] for i in range(10_000)]))
    check_json_depth('"' + "[" * 1000 + '"')
