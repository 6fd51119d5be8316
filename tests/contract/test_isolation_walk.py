"""Every registered route, tried as another tenant's user: never 2xx with foreign data, never a 500.

The walk reads the app's route table, so a route added later is walked without editing this file.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from core.auth.permissions import PUBLIC
from tests.contract.populate import api_token, invitation_token, populate
from tests.support import login_as

PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")
FOREIGN_MARKERS = ("Globex", "globex.test")
"""Text only tenant b ('globex') has: must never appear in an answer given to tenant a's users."""
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
WHY_POSTGRESQL = """The walks run on PostgreSQL, the production database, where row-level security stands behind
the ORM tenant guard; the guard is the same code on SQLite, so a second walk there would only double the time."""


def tenant_routes(app: Any) -> list[tuple[str, str, str]]:
    """(method, path template, action) for every route under a tenant slug."""
    found = []
    for route in app.routes:
        if "{slug" not in route.path:
            continue
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(handler.http_methods):
                if method in ("HEAD", "OPTIONS"):
                    continue
                found.append((method, route.path, handler.opt.get("action", "")))
    return sorted(set(found))


def fill(path: str, slug: str, uuid_value: str, token: str = "", number: str = "1",
         campaign_slug: str = "x") -> str:
    def value(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2) or "str"
        if name == "slug":
            return slug
        if kind == "uuid":
            return uuid_value
        if kind == "int":
            return number
        if name == "token":
            return token or invitation_token("globex")
        if name == "plugin":
            return "monitoring"
        if name == "campaign_slug":
            return campaign_slug
        return "x"

    return PARAM.sub(value, path)


async def _call(client: Any, method: str, url: str, api: bool, headers: dict[str, str] | None = None) -> Any:
    headers = dict(headers or {})
    if not api:
        headers["x-csrftoken"] = client.cookies.get("regie_csrf") or ""
    if method in MUTATING:
        kwargs: dict[str, Any] = {"json": {}} if api else {"data": {}}
        return await client.request(method, url, headers=headers, follow_redirects=False, **kwargs)
    return await client.request(method, url, headers=headers, follow_redirects=False)


@pytest.mark.postgresql_only  # see WHY_POSTGRESQL
@pytest.mark.parametrize("who", ["admin", "regie"])
async def test_other_tenants_user_gets_nothing_from_any_route(app, client, world, sessionmaker, who):
    """Tenant a's ids and slug, requested by tenant b's admin / regie holder (web session and API token)."""
    a_ids = await populate(sessionmaker, world.a)
    await populate(sessionmaker, world.b)
    await login_as(client, world.b, who)
    some_a_id = str(next(iter(a_ids["department"])))
    routes = tenant_routes(app)
    assert len(routes) > 5
    problems = []
    for method, template, action in routes:
        api = template.startswith("/api/")
        url = fill(template, "acme", some_a_id)
        # b's own API token against a's slug must not authenticate either
        bearer = {"authorization": f"Bearer {api_token('globex')}"} if api else None
        response = await _call(client, method, url, api, bearer)
        if response.status_code >= 500:
            problems.append(f"{method} {template}: {response.status_code}")
        elif action != PUBLIC and response.status_code < 300:
            problems.append(f"{method} {template}: {response.status_code} for another tenant's user")
    assert problems == []


ID_TABLES = {
    "account_id": "social_account", "alert_id": "monitoring_alert", "department_id": "department",
    "import_id": "monitoring_import", "invitation_id": "invitation", "membership_id": "membership",
    "mention_id": "monitoring_mention", "notification_id": "notification", "presentation_id": "management_presentation",
    "profile_id": "monitoring_profile", "progress_id": "job_progress", "report_id": "monitoring_baseline",
    "quarterly_report_id": "quarterly_report",
    "queue_id": "webcare_queue", "rule_id": "webcare_rule", "holiday_id": "webcare_holiday",
    "case_id": "webcare_case",
    "view_id": "webcare_view",
    "reply_id": "webcare_reply",
    "canned_id": "webcare_canned",
    "escalation_id": "webcare_escalation",
    "crisis_id": "webcare_crisis",
    "statement_id": "webcare_canned",
    "question_id": "webcare_question", "answer_id": "webcare_answer", "customer_id": "customer",
    "source_id": "monitoring_source", "study_id": "baseline_study", "token_id": "api_token",
    "enrolment_id": "training_enrolment", "suggestion_id": "training_suggestion",
    "proposal_id": "regie_proposal",
    "post_id": "talking_post", "campaign_id": "talking_campaign", "stream_id": "talking_stream",
    "variant_id": "talking_variant", "target_id": "webcare_question",
    "survey_id": "energizing_survey", "ambassador_id": "energizing_ambassador", "lead_id": "energizing_lead",
    "candidate_id": "energizing_candidate", "mission_id": "energizing_mission",
    "completion_id": "energizing_completion", "redemption_id": "energizing_redemption",
    "reward_id": "energizing_reward",
    "message_id": "cocreation_loop_message", "comment_id": "cocreation_comment", "flag_id": "cocreation_flag",
    "stage_id": "cocreation_stage", "category_id": "cocreation_category",
}
"""A path parameter → the table its id is looked up in. A parameter not listed here gets every foreign id."""
PLUGIN_ID_TABLES = {"cocreation": {"campaign_id": "cocreation_campaign"}}
"""Where a plugin's parameter of the same name as another's names a table of its own."""
PLUGIN_PREFIX = re.compile(r"^(?:/api/v1)?/t/\{slug:str\}/(?:p/)?(?P<plugin>[a-z_]+)(?:/|$)")


def id_table(name: str, template: str) -> str | None:
    """The table a path parameter's id is looked up in, on this route."""
    match = PLUGIN_PREFIX.match(template)
    tables = PLUGIN_ID_TABLES.get(match["plugin"], {}) if match else {}
    return tables.get(name) or ID_TABLES.get(name)


async def idea_numbers(sessionmaker: Any, tenant_id: Any) -> list[str]:
    """A tenant's idea numbers: an idea's page is addressed by its number, not its id (`{number:int}`)."""
    from sqlalchemy import select

    from core.tenancy.scope import tenant_scope
    from plugins.cocreation.models import Idea

    with tenant_scope(tenant_id):
        async with sessionmaker() as s:
            return [str(n) for n in (await s.scalars(select(Idea.number).order_by(Idea.number))).all()]
SAMPLE_TABLES = ("department", "audit_entry", "monitoring_mention", "plugin_activation")
"""One id of each of a few other tables every route is tried with too (a route that looks in the wrong table)."""


def foreign_ids_for(template: str, b_ids: dict[str, list[Any]]) -> list[str]:
    """Tenant b's ids worth trying on a route: those of the tables its parameters name, plus a sample."""
    names = [m.group(1) for m in PARAM.finditer(template) if m.group(2) in ("uuid", "int")]
    if not names or any(n not in ID_TABLES and n != "number" for n in names):
        return sorted({str(i) for ids in b_ids.values() for i in ids})
    named = {str(i) for n in names if n in ID_TABLES for i in b_ids.get(id_table(n, template) or "", [])}
    sample = {str(min(b_ids[t], key=str)) for t in SAMPLE_TABLES if b_ids.get(t)}
    return sorted(named | sample)


@pytest.mark.postgresql_only  # see WHY_POSTGRESQL
@pytest.mark.parametrize("who", ["regie", "admin"])
async def test_foreign_ids_are_not_found_under_own_tenant(app, client, world, sessionmaker, who):
    """Tenant a's regie holder and admin use tenant b's ids under a's slug: never b's data, never a 500.
    (One test per person, so the two halves of this long walk run in parallel.)"""
    await populate(sessionmaker, world.a)
    b_ids = await populate(sessionmaker, world.b)
    b_numbers = await idea_numbers(sessionmaker, world.b.id)
    problems = []
    client.cookies.clear()
    await login_as(client, world.a, who)
    for method, template, _action in tenant_routes(app):
        if "uuid" not in template and "{number" not in template and "{campaign_slug" not in template:
            continue
        api = template.startswith("/api/")
        numbers = b_numbers if "{number" in template else ["1"]
        foreign = foreign_ids_for(template, b_ids) if "uuid" in template else [str(next(iter(b_ids["department"])))]
        tried = [(foreign_id, number) for foreign_id in foreign for number in numbers]
        for foreign_id, number in tried:
            url = fill(template, "acme", foreign_id, number=number, campaign_slug="uitdaging-globex")
            response = await _call(client, method, url, api)
            body = response.text
            if response.status_code >= 500:
                problems.append(f"{who} {method} {template}: {response.status_code}")
            elif any(marker in body for marker in FOREIGN_MARKERS):
                problems.append(f"{who} {method} {template}: shows tenant b's data")
    assert problems == []


async def test_every_tenant_route_declares_an_action(app):
    missing = [f"{m} {p}" for m, p, action in tenant_routes(app) if not action]
    assert missing == []


@pytest.mark.parametrize("who", ["mediator", "other tenant's admin", "anonymous"])
async def test_a_slug_in_another_case_is_redirected_or_not_found_on_every_route(app, client, world, sessionmaker,
                                                                                who):
    """`/t/ACME/...` and `/api/v1/t/ACME/...` on every route: a GET goes to the lower-case URL (301), any other
    method is a 404; no handler ever runs without its tenant (for the mediator that was a 500)."""
    from tests.support import login

    a_ids = await populate(sessionmaker, world.a)
    some_a_id = str(next(iter(a_ids["department"])))
    if who == "mediator":
        await login(client, world.mediator.email)
    elif who != "anonymous":
        await login_as(client, world.b, "admin")
    problems = []
    for method, template, _action in tenant_routes(app):
        api = template.startswith("/api/")
        for slug in ("ACME", "Acme"):
            url = fill(template, slug, some_a_id, token=invitation_token("acme"))
            bearer = {"authorization": f"Bearer {api_token('globex')}"} if api and who != "anonymous" else None
            response = await _call(client, method, url, api, bearer)
            if method == "GET":
                expected = fill(template, "acme", some_a_id, token=invitation_token("acme"))
                if (response.status_code, response.headers.get("location")) != (301, expected):
                    problems.append(f"{method} {url}: {response.status_code} {response.headers.get('location')}")
            elif response.status_code != 404:
                problems.append(f"{method} {url}: {response.status_code}")
    assert problems == []
