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
from plugins.energizing.models import Ambassador
from tests.plugins.energizing.listening.test_review import add_candidate


async def _decide(sessionmaker, tw, candidate, decision="dismissed", email="", ambassador_state=None):
    """A decision; with `ambassador_state`, taken up by e-mail into an ambassador in that state."""
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            row = await s.get(Candidate, candidate.id)
            row.state = decision
            ambassador = None
            if ambassador_state:
                ambassador = Ambassador(name="Fan", email=email, state=ambassador_state, source="listening",
                                        referral_code=f"R{candidate.handle_key[:12].upper()}")
                s.add(ambassador)
                await s.flush()
            s.add(Decision(candidate_id=candidate.id, handle=candidate.handle, decision=decision, basis="consent",
                           contact="email" if email else "", email=email, reason="Geen echte klant",
                           decided_by_id=tw.users["marketer"].id, decided_at=datetime.now(UTC),
                           ambassador_id=ambassador.id if ambassador else None))


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
    await _decide(sessionmaker, a, old_taken, "taken_up", email="taken@example.org", ambassador_state="active")
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
    assert by_mail == {}  # already blanked with the handle
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


async def _forget_run(sessionmaker, tw, cutoff):
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            return await hooks.retention(hook_context(s, tw.tenant, "nl"), cutoff, "pseudonymise")


async def test_retention_forgets_a_taken_up_candidate_the_programme_no_longer_holds(energizing, sessionmaker):
    a = energizing.a
    by_hand = await add_candidate(sessionmaker, a, handle="@by_hand", days_ago=400)
    await _decide(sessionmaker, a, by_hand, "taken_up")  # contacted by a public reply: no ambassador
    held = await add_candidate(sessionmaker, a, handle="@held", days_ago=400)
    await _decide(sessionmaker, a, held, "taken_up", email="held@example.org", ambassador_state="active")
    invited = await add_candidate(sessionmaker, a, handle="@invited", days_ago=400)
    await _decide(sessionmaker, a, invited, "taken_up", email="invited@example.org", ambassador_state="invited")
    left = await add_candidate(sessionmaker, a, handle="@left", days_ago=2)  # recent, but opted out
    await _decide(sessionmaker, a, left, "taken_up", email="left@example.org", ambassador_state="opted_out")
    recent = await add_candidate(sessionmaker, a, handle="@recent_by_hand", days_ago=2)
    await _decide(sessionmaker, a, recent, "taken_up")
    counts = await _forget_run(sessionmaker, a, datetime.now(UTC) - timedelta(days=365))
    assert (counts["candidates_deleted"], counts["evidence_deleted"], counts["decisions_pseudonymised"]) == (2, 2, 2)
    handles, evidence, decisions = await _counts(sessionmaker, a)
    assert handles == {"@held", "@invited", "@recent_by_hand"} and evidence == 3
    gone = [d for d in decisions if d.candidate_id is None]
    assert len(gone) == 2 and all(d.handle.startswith(PSEUDONYM) and d.email == "" for d in gone)
    assert {d.basis for d in gone} == {"consent"}
    assert (await _forget_run(sessionmaker, a, datetime.now(UTC) - timedelta(days=365)))["candidates_deleted"] == 0


async def test_erasing_an_address_forgets_the_candidate_decided_on_with_it(energizing, sessionmaker):
    a = energizing.a
    taken = await add_candidate(sessionmaker, a, handle="@mailfan")
    await _decide(sessionmaker, a, taken, "taken_up", email="mailfan@example.org", ambassador_state="active")
    other = await add_candidate(sessionmaker, a, handle="@other_fan")
    await _decide(sessionmaker, a, other, "taken_up", email="other@example.org", ambassador_state="active")
    with tenant_scope(a.id):
        async with sessionmaker() as s, s.begin():
            counts = await hooks.erase_subject(hook_context(s, a.tenant, "nl"), ErasureSubject(
                kind="author", platform="email", handle="MailFan@example.org"))
    assert counts == {"candidates_deleted": 1, "evidence_deleted": 1, "decisions_pseudonymised": 1}
    handles, evidence, decisions = await _counts(sessionmaker, a)
    assert handles == {"@other_fan"} and evidence == 1
    assert {d.email for d in decisions} == {"", "other@example.org"}
    assert not any("mailfan" in d.handle for d in decisions)


async def test_an_erasure_without_a_platform_also_takes_the_address(energizing, sessionmaker):
    """No platform means any: a handle that is an e-mail address erases what was kept under that address."""
    a = energizing.a
    taken = await add_candidate(sessionmaker, a, handle="@anyfan")
    await _decide(sessionmaker, a, taken, "taken_up", email="anyfan@example.org")
    with tenant_scope(a.id):
        async with sessionmaker() as s, s.begin():
            counts = await hooks.erase_subject(hook_context(s, a.tenant, "nl"), ErasureSubject(
                kind="author", platform="", handle="anyfan@example.org"))
    assert counts["candidates_deleted"] == 1
    handles, _evidence, [decision] = await _counts(sessionmaker, a)
    assert handles == set() and decision.email == "" and decision.handle.startswith(PSEUDONYM)


async def test_erasing_an_ambassador_forgets_the_candidate_they_were(energizing, sessionmaker):
    a = energizing.a
    taken = await add_candidate(sessionmaker, a, handle="@member_fan")
    await _decide(sessionmaker, a, taken, "taken_up", email="memberfan@example.org", ambassador_state="active")
    with tenant_scope(a.id):
        async with sessionmaker() as s, s.begin():
            ctx = hook_context(s, a.tenant, "nl")
            [ambassador] = (await s.scalars(select(Ambassador))).all()
            ambassador.user_id = a.users["member"].id
            await s.flush()
            counts = await plugin.regie_erase_subject(ctx, ErasureSubject(kind="user", user_id=a.users["member"].id))
    assert counts["candidates_deleted"] == 1
    assert (await _counts(sessionmaker, a))[0] == set()
