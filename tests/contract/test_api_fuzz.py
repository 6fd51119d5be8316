"""Fuzzing the JSON API against its own OpenAPI schema (schemathesis): no 5xx, and every answer is what the
schema promises (a documented status code, its content type, its body schema).

Cases are generated up front with a fixed seed and a bounded number per operation (repeatable in CI, fast),
then sent through the in-process test client as a tenant admin of the world's tenant, with `{slug}` fixed so
requests reach the real handlers instead of stopping at tenant resolution.
"""

from __future__ import annotations

import contextlib
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from tests.support import api_headers

SCHEMA_URL = "/api/v1/schema/openapi.json"
EXAMPLES = {GenerationMode.POSITIVE: 3, GenerationMode.NEGATIVE: 2}
_CASES: dict[tuple[str, str, str, int], list[Any]] = {}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def generate_cases(operation: Any, slug: str, mode: GenerationMode, count: int) -> list[Any]:
    """Up to `count` seeded cases for one operation (derandomized: the same cases on every run, so they are
    generated once per process and reused by the SQLite and PostgreSQL runs)."""
    key = (operation.label, slug, mode.value, count)
    if key in _CASES:
        return _CASES[key]
    cases: list[Any] = _CASES.setdefault(key, [])

    @settings(max_examples=count, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy(generation_mode=mode, path_parameters={"slug": slug}))
    def collect(case: Any) -> None:
        cases.append(case)

    with contextlib.suppress(Unsatisfiable):  # negative mode with `slug` as the only (fixed) input
        collect()
    return cases


async def send(client: Any, kwargs: dict[str, Any]) -> httpx.Response:
    """One generated request; a multipart body is read back so the checks can look at what was sent.

    The schema's free-form multipart objects let schemathesis put numbers in form parts, which httpx cannot
    encode; they are sent as their text, as a browser would.
    """
    if kwargs.get("files"):
        kwargs["files"] = [(name, (filename, value if isinstance(value, str | bytes) else str(value)))
                           for name, (filename, value) in kwargs["files"]]
    request = client.build_request(**kwargs)
    await request.aread()
    return await client.send(request)


async def switch_on_cocreation(sessionmaker: Any, world: Any) -> None:
    """Co-creation active for the fuzzed tenant, with its stages and a published idea 1: its API answers from
    its handlers (an inactive plugin's routes all answer 404 before any input is read)."""
    from datetime import UTC, datetime

    from core.activation.models import PluginActivation
    from core.tenancy.scope import tenant_scope
    from plugins.cocreation.models import Idea
    from plugins.cocreation.settings import board_settings

    with tenant_scope(world.a.id):
        async with sessionmaker() as s, s.begin():
            s.add(PluginActivation(plugin="cocreation", department_id=world.a.departments["service"].id,
                                   status="active", activated_at=datetime.now(UTC), activated_in_phase="pilot"))
            settings = await board_settings(s)
            settings.idea_counter = 1
            s.add(Idea(number=1, title="Een idee om te fuzzen", status="published", published_at=datetime.now(UTC)))


@pytest.mark.postgresql_only  # CI fuzzes the production database; the handlers are the same on SQLite
async def test_api_answers_every_fuzzed_request_as_its_schema_promises(client, world, sessionmaker):
    await switch_on_cocreation(sessionmaker, world)
    served = await client.get(SCHEMA_URL)
    assert served.status_code == 200
    schema = schemathesis.openapi.from_dict(served.json())
    headers = await api_headers(sessionmaker, world.a, "admin")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20  # the core and plugin APIs are all in the schema
    failures: list[str] = []
    sent = 0
    for operation in operations:
        for mode, count in EXAMPLES.items():
            for case in generate_cases(operation, world.a.slug, mode, count):
                kwargs = case.as_transport_kwargs(base_url="http://testserver.local", headers=headers)
                kwargs.pop("cookies", None)
                response = await send(client, kwargs)
                sent += 1
                try:
                    case.validate_response(response, checks=CHECKS, headers=kwargs["headers"])
                except FailureGroup as exc:
                    titles = "; ".join(str(e).strip().splitlines()[0] for e in exc.exceptions)
                    failures.append(f"{case.method} {case.formatted_path} ({mode.value}) -> "
                                    f"{response.status_code}: {titles}\n  body={response.text[:300]}")
    assert sent > len(operations)
    assert not failures, f"{len(failures)} of {sent} fuzzed requests broke the schema:\n" + "\n".join(failures[:40])


@pytest.mark.postgresql_only
@pytest.mark.parametrize("who", ["viewer"])
async def test_fuzzing_as_a_reader_still_gets_documented_answers(client, world, sessionmaker, who):
    """Someone allowed to read but not to write: refusals (403) are documented answers too, never a 5xx."""
    await switch_on_cocreation(sessionmaker, world)
    served = await client.get(SCHEMA_URL)
    schema = schemathesis.openapi.from_dict(served.json())
    headers = await api_headers(sessionmaker, world.a, who)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for case in generate_cases(operation, world.a.slug, GenerationMode.POSITIVE, 1):
            kwargs = case.as_transport_kwargs(base_url="http://testserver.local", headers=headers)
            kwargs.pop("cookies", None)
            response = await send(client, kwargs)
            try:
                case.validate_response(response, checks=CHECKS, headers=kwargs["headers"])
            except FailureGroup as exc:
                titles = "; ".join(str(e).strip().splitlines()[0] for e in exc.exceptions)
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {titles}")
    assert not failures, "\n".join(failures[:40])


async def test_text_with_a_nul_character_is_refused_with_field_and_reason(client, world, sessionmaker):
    """Found by the fuzzer: PostgreSQL cannot store U+0000, which surfaced as a 500. Now a 422 on every backend."""
    headers = await api_headers(sessionmaker, world.a, "admin")
    base = f"/api/v1/t/{world.a.slug}"
    response = await client.post(f"{base}/departments", headers=headers,
                                 json={"name": "Pers\x00zaken", "business_function": "press"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "name", "reason": "Tekst mag geen NUL-tekens bevatten."}]
    response = await client.post(f"{base}/starting-points", headers=headers, json={"sections": {"a": ["x\x00"]}})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "sections.a.0"
    response = await client.get(f"{base}/audit", params={"action": "x\x00"}, headers=headers)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "action"
    listed = await client.get(f"{base}/departments", headers=headers)
    assert "Pers" not in listed.text  # nothing was stored


async def test_version_numbers_out_of_range_are_bad_input_not_a_server_error(client, world, sessionmaker):
    headers = await api_headers(sessionmaker, world.a, "admin")
    for path in ("policy/99999999999999999999", "starting-points/99999999999999999999",
                 "policy/compare?a=1&b=99999999999999999999", "starting-points/0"):
        response = await client.get(f"/api/v1/t/{world.a.slug}/{path}", headers=headers)
        assert response.status_code == 400, path
        assert response.json()["errors"][0]["field"] in ("number", "b")


async def test_mention_ingestion_still_cleans_nul_characters_itself(client, world, sessionmaker):
    """Third-party exports carry stray NULs; ingestion strips them (its documented behaviour) instead of refusing."""
    headers = await api_headers(sessionmaker, world.a, "admin")
    response = await client.post(f"/api/v1/t/{world.a.slug}/monitoring/mentions/ingest", headers=headers,
                                 json={"source": "Nope\x00", "items": []})
    assert response.status_code != 500
    assert not any(e["reason"] == "Tekst mag geen NUL-tekens bevatten." for e in response.json().get("errors", []))
