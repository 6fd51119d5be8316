"""Merging idea A into B: votes (one per customer), followers, comments and links move to B, B is counted once
afresh, A points at B; A's followers get one mail each; merging into itself or into a merged idea is refused."""

from __future__ import annotations

from sqlalchemy import select

from core.plugins.api import tenant_scope
from plugins.cocreation.models import Comment, Follower, Idea, IdeaLink, Vote
from tests.plugins.cocreation.triage.conftest import STAFF, add_customer, add_idea, audits, get, mails
from tests.support import login_as, post_form


async def test_merging_carries_votes_followers_comments_and_tells_followers(client, cc, sessionmaker, app):
    a = cc.a
    ann, bob, cor, dirk = [await add_customer(sessionmaker, a, f"{n}@example.org") for n in ("ann", "bob", "cor",
                                                                                              "dirk")]
    source = await add_idea(sessionmaker, a, "Donkere modus", voters=(ann, bob), followers=(ann, bob, cor),
                            comments=2)
    target = await add_idea(sessionmaker, a, "Nachtmodus", voters=(bob, dirk), followers=(bob,), comments=1)
    with tenant_scope(a.id):
        async with sessionmaker() as s, s.begin():
            s.add(IdeaLink(idea_id=source.id, kind="mention", ref_id="m-1", title="Graag een donkere modus"))
            s.add(Comment(idea_id=source.id, body="wacht nog", status="pending"))
    await login_as(client, a, "regie")
    response = await post_form(client, f"{STAFF}ideas/{source.number}/merge", {"target": f"#{target.number}"},
                               follow_redirects=False)
    assert response.status_code == 303, response.text[-2000:]
    assert response.headers["location"].endswith(f"/ideas/{target.number}")
    merged, kept = await get(sessionmaker, a, Idea, source.id), await get(sessionmaker, a, Idea, target.id)
    assert (merged.status, merged.merged_into_id, merged.vote_count, merged.follower_count) == (
        "merged", target.id, 0, 0)
    assert (kept.vote_count, kept.follower_count, kept.comment_count) == (3, 3, 3)  # bob voted and followed both
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            votes = (await s.execute(select(Vote.idea_id, Vote.customer_id))).all()
            followers = (await s.execute(select(Follower.idea_id, Follower.customer_id))).all()
            comments = (await s.scalars(select(Comment.idea_id))).all()
            link = await s.scalar(select(IdeaLink))
    assert sorted(str(c) for i, c in votes if i == target.id) == sorted(str(c.id) for c in (ann, bob, dirk))
    assert len(votes) == 3 and len(followers) == 3 and {i for i, _c in followers} == {target.id}
    assert set(comments) == {target.id} and len(comments) == 4 and link.idea_id == target.id
    sent = [m for m in await mails(app) if "samengevoegd" in m["subject"]]
    assert sorted(m["to"] for m in sent) == ["ann@example.org", "bob@example.org", "cor@example.org"]
    assert f"/p/cocreation/board/ideas/{target.number}" in sent[0]["text"] and "Nachtmodus" in sent[0]["text"]
    [entry] = await audits(sessionmaker, a, "cocreation.idea_merged")
    assert entry.data["target"] == target.number and entry.data["followers_told"] == 3
    page = await client.get(f"{STAFF}ideas/{source.number}")
    assert page.status_code == 200 and f"#{target.number} Nachtmodus" in page.text and 'id="merge"' not in page.text


async def test_bad_merges_are_refused_and_change_nothing(client, cc, sessionmaker, app):
    a = cc.a
    ann = await add_customer(sessionmaker, a, "ann@example.org")
    one = await add_idea(sessionmaker, a, "Een", voters=(ann,), followers=(ann,))
    two = await add_idea(sessionmaker, a, "Twee")
    gone = await add_idea(sessionmaker, a, "Weg", status="merged")
    other = await add_idea(sessionmaker, cc.b, "Elders")
    await login_as(client, a, "regie")
    for target, text in ((one.number, "met zichzelf"), (gone.number, "zelf niet samengevoegd"),
                         ("", "Geef het nummer"), ("abc", "Geef het nummer"),
                         ("²", "Geef het nummer"), (999, "geen idee met dit nummer"),
                         (other.number + 100, "geen idee met dit nummer")):
        response = await post_form(client, f"{STAFF}ideas/{one.number}/merge", {"target": str(target)})
        assert response.status_code in (409, 422) and text in response.text, (target, response.text[-2000:])
    response = await post_form(client, f"{STAFF}ideas/{gone.number}/merge", {"target": str(two.number)})
    assert response.status_code == 409
    kept = await get(sessionmaker, a, Idea, one.id)
    assert (kept.status, kept.vote_count, kept.follower_count, kept.merged_into_id) == ("published", 1, 1, None)
    assert not [m for m in await mails(app) if "samengevoegd" in m["subject"]]
    assert await audits(sessionmaker, a, "cocreation.idea_merged") == []


async def test_a_viewer_cannot_merge(client, cc, sessionmaker):
    a = cc.a
    one, two = await add_idea(sessionmaker, a, "Een"), await add_idea(sessionmaker, a, "Twee")
    await login_as(client, a, "viewer")
    response = await post_form(client, f"{STAFF}ideas/{one.number}/merge", {"target": str(two.number)})
    assert response.status_code == 403
    assert (await get(sessionmaker, a, Idea, one.id)).status == "published"
