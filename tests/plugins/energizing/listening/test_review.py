"""The review queue: a person decides before anyone is contacted; the lawful basis, who and when are recorded and
audited; an e-mail address entered invites the person to the ambassador programme. The thresholds' form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.plugins.api import Refused, tenant_scope
from plugins.energizing.listening import review
from plugins.energizing.listening.models import Candidate, Decision, Evidence, ListeningSettings
from plugins.energizing.models import Ambassador
from tests.support import login_as, post_form


async def add_candidate(sessionmaker, tw, handle="@fan", state="open", reach=900, count=3, days_ago=1) -> Candidate:
    now = datetime.now(UTC)
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            candidate = Candidate(handle_key=handle.lstrip("@").lower(), handle=handle, name="Fan de Vries",
                                  reach=reach, positive_count=count, state=state,
                                  first_seen_at=now - timedelta(days=days_ago + 5),
                                  last_seen_at=now - timedelta(days=days_ago),
                                  opened_at=None if state == "watching" else now)
            s.add(candidate)
            await s.flush()
            s.add(Evidence(candidate_id=candidate.id, url="https://social.example/fan/1", title="Top verzekeraar",
                           score=0.8, published_at=now - timedelta(days=days_ago)))
    return candidate


async def _state(sessionmaker, tw, candidate_id) -> tuple[str, list[Decision]]:
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            candidate = await s.get(Candidate, candidate_id)
            decisions = (await s.scalars(select(Decision))).all()
            return candidate.state, list(decisions)


async def test_the_queue_shows_open_candidates_with_their_evidence(client, energizing, sessionmaker):
    a = energizing.a
    candidate = await add_candidate(sessionmaker, a)
    await add_candidate(sessionmaker, a, handle="@quiet", state="watching")
    await login_as(client, a, "viewer")
    queue = await client.get("/t/acme/p/energizing/candidates/")
    assert queue.status_code == 200 and "@fan" in queue.text and "@quiet" not in queue.text
    detail = await client.get(f"/t/acme/p/energizing/candidates/{candidate.id}")
    assert "https://social.example/fan/1" in detail.text and "take-up" not in detail.text  # a viewer cannot decide
    response = await post_form(client, f"/t/acme/p/energizing/candidates/{candidate.id}/dismiss", {"reason": "x"})
    assert response.status_code == 403
    assert (await _state(sessionmaker, a, candidate.id))[0] == "open"


async def test_taking_up_by_email_records_the_basis_and_invites(client, energizing, sessionmaker):
    a = energizing.a
    candidate = await add_candidate(sessionmaker, a)
    await login_as(client, a, "marketer")
    response = await post_form(client, f"/t/acme/p/energizing/candidates/{candidate.id}/take-up",
                               {"basis": "legitimate_interest", "contact": "email", "email": "Fan@Example.org",
                                "name": "Fan de Vries", "reason": "Schrijft al jaren positief"},
                               follow_redirects=False)
    assert response.status_code == 303, response.text[:800]
    state, decisions = await _state(sessionmaker, a, candidate.id)
    assert state == "taken_up"
    [decision] = decisions
    assert (decision.decision, decision.basis, decision.contact, decision.email) == (
        "taken_up", "legitimate_interest", "email", "fan@example.org")
    assert decision.decided_by_id == a.users["marketer"].id and decision.decided_at is not None
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            ambassador = await s.scalar(select(Ambassador))
            audit = await s.scalar(select(AuditEntry).where(AuditEntry.action == "energizing.candidate_taken_up"))
    assert (ambassador.state, ambassador.source, ambassador.source_ref, ambassador.handle) == (
        "invited", "listening", str(candidate.id), "@fan")
    assert decision.ambassador_id == ambassador.id
    assert audit is not None and audit.data["basis"] == "legitimate_interest" and audit.subject_id == str(candidate.id)


async def test_taking_up_without_email_contacts_nobody(client, energizing, sessionmaker):
    a = energizing.a
    candidate = await add_candidate(sessionmaker, a)
    await login_as(client, a, "marketer")
    response = await post_form(client, f"/t/acme/p/energizing/candidates/{candidate.id}/take-up",
                               {"basis": "consent", "contact": "public_reply", "email": "ignored@example.org"},
                               follow_redirects=False)
    assert response.status_code == 303
    state, [decision] = await _state(sessionmaker, a, candidate.id)
    assert (state, decision.contact, decision.email, decision.ambassador_id) == ("taken_up", "public_reply", "", None)
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            assert await s.scalar(select(func.count()).select_from(Ambassador)) == 0


async def test_bad_decisions_change_nothing(client, energizing, sessionmaker):
    a = energizing.a
    candidate = await add_candidate(sessionmaker, a)
    await login_as(client, a, "marketer")
    url = f"/t/acme/p/energizing/candidates/{candidate.id}"
    response = await post_form(client, f"{url}/take-up", {"basis": "because", "contact": ""})
    assert response.status_code == 422
    assert 'has-error' in response.text and "Kies een van" in response.text
    response = await post_form(client, f"{url}/take-up", {"basis": "consent", "contact": "email", "email": "nope"})
    assert response.status_code == 422 and "geen geldig e-mailadres" in response.text
    response = await post_form(client, f"{url}/dismiss", {"reason": ""})
    assert response.status_code == 422 and "verplicht" in response.text
    assert await _state(sessionmaker, a, candidate.id) == ("open", [])
    response = await post_form(client, f"{url}/dismiss", {"reason": "Reclameaccount"}, follow_redirects=False)
    assert response.status_code == 303
    state, [decision] = await _state(sessionmaker, a, candidate.id)
    assert (state, decision.decision, decision.reason) == ("dismissed", "dismissed", "Reclameaccount")
    again = await post_form(client, f"{url}/dismiss", {"reason": "nog eens"})
    assert again.status_code == 409 and len((await _state(sessionmaker, a, candidate.id))[1]) == 1
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            assert await s.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "energizing.candidate_dismissed")) == 1


async def test_another_tenants_candidate_is_not_found(client, energizing, sessionmaker):
    foreign = await add_candidate(sessionmaker, energizing.b)
    await login_as(client, energizing.a, "marketer")
    assert (await client.get(f"/t/acme/p/energizing/candidates/{foreign.id}")).status_code == 404
    response = await post_form(client, f"/t/acme/p/energizing/candidates/{foreign.id}/dismiss", {"reason": "x"})
    assert response.status_code == 404
    assert (await _state(sessionmaker, energizing.b, foreign.id))[0] == "open"


async def test_thresholds_form_checks_each_field_and_applies_new_thresholds(client, energizing, sessionmaker):
    a = energizing.a
    watching = await add_candidate(sessionmaker, a, handle="@small", state="watching", reach=200, count=0)
    await login_as(client, a, "regie")
    page = await client.get("/t/acme/p/energizing/candidates/settings")
    assert page.status_code == 200 and 'value="500"' in page.text
    response = await post_form(client, "/t/acme/p/energizing/candidates/settings",
                               {"min_positive": "0", "window_days": "veel", "min_reach": "100"})
    assert response.status_code == 422
    assert "Gebruik een getal van 1 tot en met 100." in response.text and "Vul een heel getal in." in response.text
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            assert await s.scalar(select(ListeningSettings)) is None
    response = await post_form(client, "/t/acme/p/energizing/candidates/settings",
                               {"min_positive": "1", "window_days": "30", "min_reach": "100"}, follow_redirects=False)
    assert response.status_code == 303
    assert (await _state(sessionmaker, a, watching.id))[0] == "open"  # its one mention now counts
    await login_as(client, a, "agent")
    assert (await post_form(client, "/t/acme/p/energizing/candidates/settings",
                            {"min_positive": "9", "window_days": "30", "min_reach": "1"})).status_code == 403


async def test_two_people_deciding_at_once_make_one_decision(energizing, sessionmaker, monkeypatch):
    """The second decision read the candidate open, but another person decided in the meantime: refused, nothing
    recorded, nobody invited."""
    a = energizing.a
    candidate = await add_candidate(sessionmaker, a)
    marketer = a.users["marketer"]
    principal = SimpleNamespace(user_id=marketer.id, user=marketer)
    read_open = review._open

    async def open_then_decided_elsewhere(session, candidate_id):
        found = await read_open(session, candidate_id)
        monkeypatch.setattr(review, "_open", read_open)  # the other person's decision reads as usual
        async with sessionmaker() as other, other.begin():
            await review.dismiss(other, principal, candidate_id, {"reason": "Reclameaccount"})
        return found

    with tenant_scope(a.id):
        async with sessionmaker() as late, late.begin():
            monkeypatch.setattr(review, "_open", open_then_decided_elsewhere)
            with pytest.raises(Refused):
                await review.take_up(late, principal, candidate.id,
                                     {"basis": "consent", "contact": "email", "email": "fan@example.org"},
                                     link_base="https://regie.test", tenant_name="Acme", lang="nl")
            monkeypatch.undo()
            await late.rollback()
    state, [decision] = await _state(sessionmaker, a, candidate.id)
    assert (state, decision.decision) == ("dismissed", "dismissed")
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            assert await s.scalar(select(func.count()).select_from(Ambassador)) == 0


async def test_the_candidate_page_links_only_web_addresses(client, energizing, sessionmaker):
    """Evidence stored before addresses were checked: a javascript: address is shown as no link."""
    a = energizing.a
    candidate = await add_candidate(sessionmaker, a, handle="@linker")
    with tenant_scope(a.id):
        async with sessionmaker() as s, s.begin():
            s.add(Evidence(candidate_id=candidate.id, url="javascript:alert(1)", title="Kwaadaardig",
                           score=0.8, published_at=datetime.now(UTC)))
    await login_as(client, a, "viewer")
    detail = await client.get(f"/t/acme/p/energizing/candidates/{candidate.id}")
    assert detail.status_code == 200 and "Kwaadaardig" in detail.text
    assert "javascript:" not in detail.text and 'href="https://social.example/fan/1"' in detail.text
