"""Evidence: baseline upload and download, pilot measurements, methodology, targets, management presentation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.measurement.models import KpiSnapshot, ManagementPresentation, MethodologyVersion, Target
from core.roadmap.models import BaselineStudy, PilotMeasurement
from tests.core.test_gates import activation, add, audit, count, item, report, rows, set_phase
from tests.support import api_headers, ensure_csrf, login_as, post_form

PERIOD = {"period_start": "2026-01-01", "period_end": "2026-03-31"}


async def own_snapshots(sessionmaker, tw, figures, first=date(2026, 1, 2)):
    """A plugin's own daily measurements: KPI → values of consecutive days from `first`."""
    now = datetime.now(UTC)
    await add(sessionmaker, tw, *[KpiSnapshot(kpi=kpi, day=first + timedelta(days=n), value=value,
                                              methodology_number=1, source="plugin", measured_at=now)
                                  for kpi, values in figures.items() for n, value in enumerate(values)])
SECTIONS = {"results": "Meer bereik", "goals": "Klanttevredenheid", "strategy": "Luisteren en antwoorden",
            "way_of_work": "Hub and spoke", "resources": "Twee fte"}


async def upload(client, data, files):
    csrf = await ensure_csrf(client)
    return await client.post("/t/acme/evidence/baseline", data={**data, "_csrf_token": csrf}, files=files,
                             headers={"x-csrftoken": csrf}, follow_redirects=False)


async def test_uploaded_external_study_satisfies_the_baseline_item(app, client, world, sessionmaker):
    await login_as(client, world.a, "marketer")
    content = b"%PDF-1.4 nulmeting"
    r = await upload(client, {"title": "Luisteronderzoek 2025", "summary": "Veel klachten over levertijd",
                              **PERIOD}, {"file": ("nulmeting.pdf", content, "application/pdf")})
    assert r.status_code == 303, r.text[:500]
    [study] = await rows(sessionmaker, world.a, BaselineStudy)
    assert (study.source, study.title, study.file_name, study.content_type) == \
        ("external", "Luisteronderzoek 2025", "nulmeting.pdf", "application/pdf")
    ok = item(await report(sessionmaker, app.state.pm, world.a), "baseline")
    assert ok.ok and ok.text == "Baseline: Luisteronderzoek 2025 (external)"
    assert len(await audit(sessionmaker, world.a, "baseline.uploaded")) == 1
    page = await client.get("/t/acme/evidence/baseline")
    assert "Luisteronderzoek 2025" in page.text and "nulmeting.pdf" in page.text
    download = await client.get(f"/t/acme/evidence/baseline/{study.id}/file")
    assert download.status_code == 200 and download.content == content
    assert "attachment" in download.headers["content-disposition"]
    # another tenant's member cannot download it
    await login_as(client, world.b, "admin")
    assert (await client.get(f"/t/globex/evidence/baseline/{study.id}/file")).status_code == 404


async def test_bad_uploads_are_refused_with_field_and_reason(client, world, sessionmaker):
    await login_as(client, world.a, "regie")
    base = {"title": "Onderzoek", **PERIOD}
    r = await upload(client, base, {"file": ("virus.exe", b"MZ", "application/octet-stream")})
    assert r.status_code == 422 and "Upload een PDF-, DOCX-, XLSX-, PPTX-, CSV- of TXT-bestand." in r.text
    r = await upload(client, base, {"file": ("groot.pdf", b"x" * (10 * 1024 * 1024 + 1), "application/pdf")})
    assert r.status_code == 422 and "Het bestand is groter dan 10 MB." in r.text
    r = await upload(client, {"title": "", "period_start": "2026-03-01", "period_end": "2026-01-01"},
                     {"file": ("a.txt", b"x", "text/plain")})
    assert r.status_code == 422
    assert "Dit veld is verplicht." in r.text and "Het einde van de periode ligt vóór het begin." in r.text
    r = await upload(client, base, {"file": ("", b"", "application/octet-stream")})  # a browser's empty field
    assert r.status_code == 422 and "Kies een bestand om te uploaden." in r.text
    assert await count(sessionmaker, world.a, BaselineStudy) == 0
    await login_as(client, world.a, "member")
    r = await upload(client, base, {"file": ("a.txt", b"x", "text/plain")})
    assert r.status_code == 403
    assert await count(sessionmaker, world.a, BaselineStudy) == 0


async def test_pilot_measurement_for_an_active_or_paused_plugin(app, client, world, sessionmaker):
    await set_phase(sessionmaker, world.a, "pilot")
    requested = await activation(sessionmaker, world.a, "talking", "marketing", status="requested")
    active = await activation(sessionmaker, world.a, "monitoring", "comms")
    await login_as(client, world.a, "regie")
    r = await post_form(client, "/t/acme/evidence/pilot", {"activation_id": str(requested.id), "values": "a=1",
                                                           **PERIOD})
    assert r.status_code == 422 and "Alleen een actieve of gepauzeerde plug-in" in r.text
    r = await post_form(client, "/t/acme/evidence/pilot", {"activation_id": str(active.id),
                                                           "values": "mentions=12\nsentiment is goed", **PERIOD})
    assert r.status_code == 422 and "Regel 2 heeft niet de vorm sleutel=getal." in r.text
    assert await count(sessionmaker, world.a, PilotMeasurement) == 0
    await own_snapshots(sessionmaker, world.a, {"monitoring.volume": [40, 80]})
    r = await post_form(client, "/t/acme/evidence/pilot", {"activation_id": str(active.id), "summary": "Goed",
                                                           "values": "mentions=120\nsentiment=0,6", **PERIOD},
                        follow_redirects=False)
    assert r.status_code == 303
    [m] = await rows(sessionmaker, world.a, PilotMeasurement)
    assert m.values == {"monitoring.volume": 120.0, "mentions": 120.0, "sentiment": 0.6}
    assert m.hand_entered == ["mentions", "sentiment"]
    assert item(await report(sessionmaker, app.state.pm, world.a), "pilot_measured").ok
    assert len(await audit(sessionmaker, world.a, "pilot.recorded")) == 1
    await login_as(client, world.a, "admin")  # not in the matrix for pilot.record
    r = await post_form(client, "/t/acme/evidence/pilot", {"activation_id": str(active.id), "values": "a=1",
                                                           **PERIOD})
    assert r.status_code == 403


async def test_methodology_versions_and_targets(app, client, world, sessionmaker):
    await login_as(client, world.a, "regie")
    r = await post_form(client, "/t/acme/evidence/methodology", {"kpis": "mentions | Mentions", "reason": "x"})
    assert r.status_code == 422 and "Regel 1 heeft niet de vorm" in r.text
    r = await post_form(client, "/t/acme/evidence/methodology", {"kpis": "", "reason": ""})
    assert r.status_code == 422 and "Kies minstens één KPI." in r.text and "Dit veld is verplicht." in r.text
    assert await count(sessionmaker, world.a, MethodologyVersion) == 0
    kpis = "mentions | Vermeldingen | per week | monitoring\nnps | NPS | kwartaal | enquête"
    for reason in ("Eerste keuze", "Tweede keuze"):
        r = await post_form(client, "/t/acme/evidence/methodology", {"kpis": kpis, "reason": reason},
                            follow_redirects=False)
        assert r.status_code == 303
    versions = await rows(sessionmaker, world.a, MethodologyVersion)
    assert [v.number for v in versions] == [1, 2] and versions[1].kpis[1]["key"] == "nps"
    page = await client.get("/t/acme/evidence/targets")
    assert "De organisatie zit nog in de luisterfase" in page.text  # early, but allowed
    r = await post_form(client, "/t/acme/evidence/targets", {"kpi": "unknown", "value": "veel", **PERIOD})
    assert r.status_code == 422
    assert "Kies een KPI uit de laatste meetmethodiek (versie 2)." in r.text and "Vul een getal in." in r.text
    assert await count(sessionmaker, world.a, Target) == 0
    r = await post_form(client, "/t/acme/evidence/targets", {
        "kpi": "mentions", "value": "150", "department_id": str(world.a.departments["marketing"].id),
        "rationale": "Groei", **PERIOD}, follow_redirects=False)
    assert r.status_code == 303
    [target] = await rows(sessionmaker, world.a, Target)
    assert (target.kpi, target.value, target.department_id) == ("mentions", 150.0,
                                                                world.a.departments["marketing"].id)
    assert item(await report(sessionmaker, app.state.pm, world.a, phase="learning"), "targets").ok


async def test_presentation_produced_and_approved_by_admin(app, client, world, sessionmaker):
    await login_as(client, world.a, "regie")
    r = await post_form(client, "/t/acme/evidence/presentations", {"title": "Q1", **PERIOD, "results": "x"})
    assert r.status_code == 422 and "Dit veld is verplicht." in r.text
    assert await count(sessionmaker, world.a, ManagementPresentation) == 0
    r = await post_form(client, "/t/acme/evidence/presentations", {"title": "Q1", **PERIOD, **SECTIONS},
                        follow_redirects=False)
    assert r.status_code == 303
    [p] = await rows(sessionmaker, world.a, ManagementPresentation)
    assert p.produced_at is not None and p.sections["resources"] == "Twee fte"
    assert (await post_form(client, f"/t/acme/evidence/presentations/{p.id}/approve", {})).status_code == 403
    rep = await report(sessionmaker, app.state.pm, world.a, phase="learning")
    assert item(rep, "presentation_produced").ok and not item(rep, "presentation_approved").ok
    await login_as(client, world.a, "admin")
    overview = await client.get("/t/acme/")
    assert "De managementpresentatie Q1 wacht op jouw goedkeuring" in overview.text
    r = await post_form(client, f"/t/acme/evidence/presentations/{p.id}/approve", {"note": "Akkoord"},
                        follow_redirects=False)
    assert r.status_code == 303
    assert (await post_form(client, f"/t/acme/evidence/presentations/{p.id}/approve", {})).status_code == 409
    assert item(await report(sessionmaker, app.state.pm, world.a, phase="learning"), "presentation_approved").ok
    assert [e.reason for e in await audit(sessionmaker, world.a, "presentation.approved")] == ["Akkoord"]


async def test_evidence_api(app, client, world, sessionmaker):
    await set_phase(sessionmaker, world.a, "pilot")
    await activation(sessionmaker, world.a, "monitoring", "comms")
    regie = await api_headers(sessionmaker, world.a, "regie")
    r = await client.post("/api/v1/t/acme/baseline", json={"title": "Extern", **PERIOD}, headers=regie)
    assert r.status_code == 201
    r = await client.post("/api/v1/t/acme/baseline", json={"title": "", "period_start": "gisteren",
                                                           "period_end": "2026-01-01"}, headers=regie)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"title", "period_start"}
    await own_snapshots(sessionmaker, world.a, {"monitoring.volume": [3]})
    r = await client.post("/api/v1/t/acme/pilot-measurements",
                          json={"plugin": "monitoring", "values": {"mentions": 3}, **PERIOD}, headers=regie)
    assert r.status_code == 201
    r = await client.post("/api/v1/t/acme/pilot-measurements",
                          json={"plugin": "talking", "values": {"x": 1}, **PERIOD}, headers=regie)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "plugin"
    r = await client.post("/api/v1/t/acme/methodology", json={
        "kpis": [{"key": "mentions", "name": "Mentions", "definition": "d", "source": "monitoring"}],
        "reason": "start"}, headers=regie)
    assert r.status_code == 201 and r.json()["number"] == 1
    r = await client.post("/api/v1/t/acme/targets", json={"kpi": "mentions", "value": 10, **PERIOD}, headers=regie)
    assert r.status_code == 201
    r = await client.post("/api/v1/t/acme/targets", json={"kpi": "mentions", "value": "veel", **PERIOD},
                          headers=regie)
    assert r.status_code == 400 and "value" in r.text
    r = await client.post("/api/v1/t/acme/presentations", json={"title": "Q1", **PERIOD, **SECTIONS}, headers=regie)
    assert r.status_code == 201
    pid = r.json()["id"]
    assert (await client.post(f"/api/v1/t/acme/presentations/{pid}/approve", json={},
                              headers=regie)).status_code == 403
    admin = await api_headers(sessionmaker, world.a, "admin")
    assert (await client.post(f"/api/v1/t/acme/presentations/{pid}/approve", json={"note": "ok"},
                              headers=admin)).status_code == 200
    rep = await report(sessionmaker, app.state.pm, world.a)
    assert rep.ok
    # a foreign presentation id is simply not found
    other = await api_headers(sessionmaker, world.b, "admin")
    assert (await client.post(f"/api/v1/t/globex/presentations/{pid}/approve", json={},
                              headers=other)).status_code == 404


async def test_no_pilot_measurement_during_listening(app, client, world, sessionmaker):
    """A measurement taken while listening is no pilot: it must not satisfy the pilot → learning gate."""
    active = await activation(sessionmaker, world.a, "monitoring", "comms")
    await login_as(client, world.a, "regie")
    r = await post_form(client, "/t/acme/evidence/pilot", {"activation_id": str(active.id), "values": "a=1",
                                                           **PERIOD})
    assert r.status_code == 409 and "vanaf de pilotfase" in r.text
    assert await count(sessionmaker, world.a, PilotMeasurement) == 0
