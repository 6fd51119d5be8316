"""Retention and erasure of promoter candidates: not taken up and quiet for longer than the retention period, a
candidate is forgotten; the decision keeps only what the AVG needs, under a pseudonym. Nav and digest counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from core.plugins.api import ErasureSubject, tenant_scope
from core.plugins.context import hook_context
from plugins.energizing import plugin
from plugins.energizing.listening import hooks
from plugins.energizing.listening.models import PSEUDONYM, Candidate, Decision, Evidence
from tests.plugins.energizing.listening.test_review import add_candidate


async def _decide(sessionmaker, tw, candidate, decision="dismissed", email=""):
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            row = await s.get(Candidate, candidate.id)
            row.state = decision
            s.add(Decision(candidate_id=candidate.id, handle=candidate.handle, decision=decision, basis="consent",
                           contact="email" if email else "", email=email, reason="Geen echte klant",
                           decided_by_id=tw.users["marketer"].id, decided_at=datetime.now(UTC)))


async def _counts(sessionmaker, tw) -> tuple[set[str], int, list[Decision]]:
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            handles = set((await s.scalars(select(Candidate.handle))).all())
            evidence = await s.scalar(select(func.count()).select_from(Evidence))
            return handles, evidence, list((await s.scalars(select(Decision))).all())


async def test_retention_forgets_old_candidates_not_taken_up(energizing, sessionmaker):
    a = energizing.a
    await add_candidate(sessionmaker, a, handle="@old_open", days_ago=400)
    old_dismissed = await add_candidate(sessionmaker, a, handle="@old_dismissed", days_ago=400)
    await _decide(sessionmaker, a, old_dismissed)
    old_taken = await add_candidate(sessionmaker, a, handle="@old_taken", days_ago=400)
    await _decide(sessionmaker, a, old_taken, "taken_up", email="taken@example.org")
    await add_candidate(sessionmaker, a, handle="@recent", days_ago=3)
    foreign = await add_candidate(sessionmaker, energizing.b, handle="@old_open", days_ago=400)
    cutoff = datetime.now(UTC) - timedelta(days=365)
    with tenant_scope(a.id):
        async with sessionmaker() as s, s.begin():
            counts = await plugin.regie_retention(hook_context(s, a.tenant, "nl"), cutoff, "pseudonymise")
    assert {k: counts[k] for k in ("candidates_deleted", "evidence_deleted", "decisions_pseudonymised")} == {
        "candidates_deleted": 2, "evidence_deleted": 2, "decisions_pseudonymised": 1}
    handles, evidence, decisions = await _counts(sessionmaker, a)
    assert handles == {"@old_taken", "@recent"} and evidence == 2
    dismissed = next(d for d in decisions if d.decision == "dismissed")
    assert dismissed.handle.startswith(PSEUDONYM) and "old" not in dismissed.handle
    assert (dismissed.email, dismissed.reason, dismissed.candidate_id) == ("", "", None)
    assert (dismissed.basis, dismissed.decided_by_id) == ("consent", a.users["marketer"].id)
    assert dismissed.decided_at is not None
    taken = next(d for d in decisions if d.decision == "taken_up")
    assert (taken.handle, taken.email) == ("@old_taken", "taken@example.org")
    with tenant_scope(a.id):
        async with sessionmaker() as s, s.begin():
            again = await hooks.retention(hook_context(s, a.tenant, "nl"), cutoff, "delete")
    assert again == {"candidates_deleted": 0, "evidence_deleted": 0, "decisions_pseudonymised": 0}
    assert (await _counts(sessionmaker, energizing.b))[0] == {foreign.handle}


async def test_erasing_an_author_removes_their_candidate_whatever_its_state(energizing, sessionmaker):
    a = energizing.a
    taken = await add_candidate(sessionmaker, a, handle="@Fan")
    await _decide(sessionmaker, a, taken, "taken_up", email="fan@example.org")
    await add_candidate(sessionmaker, a, handle="@someone_else")
    with tenant_scope(a.id):
        async with sessionmaker() as s, s.begin():
            ctx = hook_context(s, a.tenant, "nl")
            counts = await hooks.erase_subject(ctx, ErasureSubject(kind="author", platform="", handle="fan"))
            by_mail = await hooks.erase_subject(ctx, ErasureSubject(kind="author", platform="email",
                                                                    handle="Fan@Example.org"))
            assert await hooks.erase_subject(ctx, ErasureSubject(kind="user", user_id=a.users["member"].id)) == {}
    assert counts == {"candidates_deleted": 1, "evidence_deleted": 1, "decisions_pseudonymised": 1}
    assert by_mail == {"decision_addresses_blanked": 0}  # already blanked with the handle
    handles, _evidence, [decision] = await _counts(sessionmaker, a)
    assert handles == {"@someone_else"} and decision.handle.startswith(PSEUDONYM) and decision.email == ""


async def test_the_navigation_counts_open_candidates_and_the_digest_new_ones(energizing, sessionmaker):
    a = energizing.a
    await add_candidate(sessionmaker, a, handle="@one")
    await add_candidate(sessionmaker, a, handle="@two")
    await add_candidate(sessionmaker, a, handle="@quiet", state="watching")
    today = date.today()
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            [entry] = await hooks.nav(hook_context(s, a.tenant, "nl"))
            [line] = await hooks.digest(hook_context(s, a.tenant, "en"), today - timedelta(days=today.weekday()),
                                        today - timedelta(days=today.weekday()) + timedelta(days=6))
            quiet = await hooks.digest(hook_context(s, a.tenant, "nl"), today - timedelta(days=30),
                                       today - timedelta(days=24))
    assert entry.label == "Promotorkandidaten (2)" and entry.href == "/t/acme/p/energizing/candidates/"
    assert line.text == "2 new promoter candidates" and quiet == []
