"""docs/authorisation.md is generated from the matrix and the route table: the committed page must match."""

from __future__ import annotations

from core.auth.matrix_doc import DESCRIPTIONS, DOC_PATH, object_rules, render
from core.auth.permissions import MATRIX


def test_committed_page_equals_the_generated_one(app):
    committed = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""
    assert committed == render(app), "docs/authorisation.md is stale: run `regie docs authorisation` and commit it"


def test_every_action_is_described(app):
    assert sorted(set(MATRIX) - set(DESCRIPTIONS)) == [], "describe the action in core/auth/matrix_doc.py"


def test_rules_per_object_come_from_the_routes_that_declare_them(app):
    """Core and plugin handlers declare their narrowing rule next to their action (`opt["rule"]`); the page
    lists them per route, web and API alike, and the core's page generator names no plugin."""
    rules = object_rules(app)
    assert rules["POST /t/{slug:str}/p/webcare/crisis/start"] == rules["POST /api/v1/t/{slug:str}/webcare/crisis/start"]
    assert "webcare lead" in rules["POST /t/{slug:str}/p/webcare/crisis/start"]
    assert "second person" in rules["POST /t/{slug:str}/workgroup/regie/proposals/{proposal_id:uuid}/confirm"]
    assert {route.split(" ", 1)[1].rsplit("/", 1)[-1] for route in rules} >= {
        "start", "stop", "approve", "reject", "return", "confirm", "withdraw"}
    page = render(app)
    assert "- `POST /t/{slug:str}/p/webcare/crisis/start`: only the regie holder or the webcare lead" in page
