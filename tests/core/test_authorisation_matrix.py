"""docs/authorisation.md is generated from the matrix and the route table: the committed page must match."""

from __future__ import annotations

from core.auth.matrix_doc import DESCRIPTIONS, DOC_PATH, OBJECT_RULES, render
from core.auth.permissions import MATRIX


def test_committed_page_equals_the_generated_one(app):
    committed = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""
    assert committed == render(app), "docs/authorisation.md is stale: run `regie docs authorisation` and commit it"


def test_every_action_is_described_and_every_object_rule_names_a_route(app):
    assert sorted(set(MATRIX) - set(DESCRIPTIONS)) == [], "describe the action in core/auth/matrix_doc.py"
    paths = {route.path for route in app.routes}
    assert all(any(p.endswith(suffix) for p in paths) for suffix in OBJECT_RULES)
