"""The moderation queue: waiting ideas and comments are published or rejected with a note, reports are resolved
(keeping or removing what was reported), and a customer can be blocked; all audited, bad input refused."""

from __future__ import annotations

from plugins.cocreation.models import Comment, Flag, Idea
from tests.plugins.cocreation.conftest import add_rows
from tests.plugins.cocreation.triage.conftest import STAFF, add_customer, add_idea, audits, get
from tests.support import login_as, post_form


async def test_moderating_ideas_comments_and_reports(client, cc, sessionmaker):
    a = cc.a
    spammer = await add_customer(sessionmaker, a, "spam@example.org", "Spammer")
    good = await add_idea(sessionmaker, a, "Goed idee", status="pending", customer_id=spammer.id)
    bad = await add_idea(sessionmaker, a, "Koop nu", status="pending")
    host = await add_idea(sessionmaker, a, "Met reacties", comments=1)
    fine = Comment(idea_id=host.id, body="Eens!", status="pending", author_name="Ann")
    rude = Comment(idea_id=host.id, body="Onzin", status="published", author_name="Bob")
    await add_rows(sessionmaker, a, fine, rude)
    flag = Flag(target_kind="comment", target_id=rude.id, reason="grof")
    other_flag = Flag(target_kind="idea", target_id=host.id, reason="dubbel")
    await add_rows(sessionmaker, a, flag, other_flag)
    await login_as(client, a, "regie")
    page = await client.get(f"{STAFF}moderation/")
    assert page.status_code == 200
    assert "Goed idee" in page.text and "Koop nu" in page.text and "Eens!" in page.text and "grof" in page.text
    assert "spam@example.org" in page.text

    async def ok(url, data=None):
        response = await post_form(client, url, data or {}, follow_redirects=False)
        assert response.status_code == 303, (url, response.text[-2000:])

    await ok(f"{STAFF}moderation/ideas/{good.number}/approve")
    await ok(f"{STAFF}moderation/ideas/{bad.number}/reject", {"note": "reclame"})
    await ok(f"{STAFF}moderation/comments/{fine.id}/approve")
    await ok(f"{STAFF}moderation/flags/{flag.id}/resolve", {"outcome": "remove", "note": "grof taalgebruik"})
    await ok(f"{STAFF}moderation/flags/{other_flag.id}/resolve", {"outcome": "keep"})
    await ok(f"{STAFF}moderation/customers/{spammer.id}/block", {"note": "spam"})
    published, rejected = await get(sessionmaker, a, Idea, good.id), await get(sessionmaker, a, Idea, bad.id)
    assert published.status == "published" and published.published_at is not None
    assert (rejected.status, rejected.moderation_note) == ("rejected", "reclame")
    assert (await get(sessionmaker, a, Comment, fine.id)).status == "published"
    assert (await get(sessionmaker, a, Comment, rude.id)).status == "rejected"
    assert (await get(sessionmaker, a, Idea, host.id)).comment_count == 1  # one published, one taken off
    resolved = await get(sessionmaker, a, Flag, flag.id)
    assert resolved.resolved_at is not None and resolved.resolved_by_id == a.users["regie"].id
    assert (await get(sessionmaker, a, Idea, host.id)).status == "published"  # kept
    from core.customers.models import Customer
    assert (await get(sessionmaker, a, Customer, spammer.id)).is_blocked
    for action in ("idea_approved", "idea_rejected", "comment_approved", "flag_resolved", "customer_blocked"):
        assert await audits(sessionmaker, a, f"cocreation.{action}"), action
    page = await client.get(f"{STAFF}moderation/")
    assert "Goed idee" not in page.text and "grof" not in page.text
    await ok(f"{STAFF}moderation/customers/{spammer.id}/unblock")
    assert not (await get(sessionmaker, a, Customer, spammer.id)).is_blocked


async def test_bad_moderation_is_refused_and_changes_nothing(client, cc, sessionmaker):
    a = cc.a
    idea = await add_idea(sessionmaker, a, "Wacht", status="pending")
    done = await add_idea(sessionmaker, a, "Klaar")
    await login_as(client, a, "regie")
    for url, data, status, text in ((f"ideas/{idea.number}/maybe", {}, 422, "Kies"),
                                    (f"ideas/{idea.number}/reject", {"note": "x" * 1001}, 422, "1000"),
                                    (f"ideas/{done.number}/reject", {}, 409, "wacht niet meer op moderatie"),
                                    ("flags/00000000-0000-0000-0000-000000000000/resolve", {}, 404, ""),
                                    ("customers/00000000-0000-0000-0000-000000000000/block", {}, 404, ""),
                                    ("customers/00000000-0000-0000-0000-000000000000/shout", {}, 422, "Kies")):
        response = await post_form(client, f"{STAFF}moderation/{url}", data)
        assert response.status_code == status and text in response.text, (url, response.text[-1500:])
    assert (await get(sessionmaker, a, Idea, idea.id)).status == "pending"
    assert (await get(sessionmaker, a, Idea, done.id)).status == "published"
    assert await audits(sessionmaker, a, "cocreation.idea_rejected") == []


async def test_a_viewer_cannot_moderate(client, cc, sessionmaker):
    a = cc.a
    idea = await add_idea(sessionmaker, a, "Wacht", status="pending")
    await login_as(client, a, "viewer")
    assert (await client.get(f"{STAFF}moderation/")).status_code == 403
    assert (await post_form(client, f"{STAFF}moderation/ideas/{idea.number}/approve")).status_code == 403
    assert (await get(sessionmaker, a, Idea, idea.id)).status == "pending"


async def test_blocking_a_customer_rejects_what_they_have_waiting(client, cc, sessionmaker):
    a = cc.a
    spammer = await add_customer(sessionmaker, a, "spam2@example.org", "Spammer")
    other = await add_customer(sessionmaker, a, "fine@example.org", "Fine")
    waiting = await add_idea(sessionmaker, a, "Koop nu", status="pending", customer_id=spammer.id)
    shown = await add_idea(sessionmaker, a, "Eerder idee", customer_id=spammer.id)
    theirs = await add_idea(sessionmaker, a, "Van een ander", status="pending", customer_id=other.id)
    pending = Comment(idea_id=shown.id, customer_id=spammer.id, body="Koop!", status="pending", author_name="S")
    published = Comment(idea_id=shown.id, customer_id=spammer.id, body="Eens", status="published", author_name="S")
    fine = Comment(idea_id=shown.id, customer_id=other.id, body="Ook eens", status="pending", author_name="F")
    await add_rows(sessionmaker, a, pending, published, fine)
    await login_as(client, a, "regie")
    response = await post_form(client, f"{STAFF}moderation/customers/{spammer.id}/block", {"note": "spam"},
                               follow_redirects=False)
    assert response.status_code == 303
    assert (await get(sessionmaker, a, Idea, waiting.id)).status == "rejected"
    assert (await get(sessionmaker, a, Comment, pending.id)).status == "rejected"
    assert (await get(sessionmaker, a, Idea, shown.id)).status == "published"  # what was published stays
    assert (await get(sessionmaker, a, Comment, published.id)).status == "published"
    assert (await get(sessionmaker, a, Idea, theirs.id)).status == "pending"  # another customer's is untouched
    assert (await get(sessionmaker, a, Comment, fine.id)).status == "pending"
    [entry] = await audits(sessionmaker, a, "cocreation.customer_blocked")
    assert (entry.data["ideas_rejected"], entry.data["comments_rejected"]) == (1, 1)
    page = await client.get(f"{STAFF}moderation/")
    assert "Koop nu" not in page.text and "Van een ander" in page.text
