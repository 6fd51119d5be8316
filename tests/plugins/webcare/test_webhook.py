"""The webhook connector against a real local HTTP server: settings (private addresses refused, the secret
shown once), signed deliveries, retries with a delivery log, failure after five attempts, idempotence."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from core.plugins.api import run_named_job
from core.tenancy.scope import tenant_scope
from plugins.webcare.models import Case, CaseMessage, Delivery, Reply, WebcareConfig
from plugins.webcare.replies.jobs import backoff
from tests.plugins.webcare.test_replies import base, get, make_case, rows
from tests.support import World, api_headers, login_as, post_form


class Receiver:
    """Answers with the queued status codes (then 200) and keeps what it received."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, raw))
                code = receiver.answers.pop(0) if receiver.answers else 200
                body = json.dumps({"url": "https://x.test/posted/1"} if code == 200 else {"error": "boom"}).encode()
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    thread = threading.Thread(target=r.server.serve_forever, daemon=True)
    thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


async def setup_webhook(client: Any, wc: World, url: str) -> str:
    await login_as(client, wc.a, "regie")
    response = await post_form(client, f"{base(wc.a)}/connector/", {"webhook_url": url})
    assert response.status_code == 200
    return response.text


async def compose_webhook(client: Any, wc: World, case_id: Any) -> None:
    client.cookies.clear()
    await login_as(client, wc.a, "agent")
    response = await post_form(client, f"{base(wc.a)}/cases/{case_id}/replies",
                               {"body": "We zijn ermee bezig.", "channel": "twitter", "connector": "webhook"},
                               follow_redirects=False)
    assert response.status_code == 303, response.text[-2000:]


async def test_connector_settings_refuse_private_addresses_and_show_the_secret_once(client, wc: World,
                                                                                     sessionmaker) -> None:
    await login_as(client, wc.a, "regie")
    response = await post_form(client, f"{base(wc.a)}/connector/", {"webhook_url": "http://10.1.2.3/hook"})
    assert response.status_code == 422 and 'id="e-webhook_url"' in response.text
    response = await post_form(client, f"{base(wc.a)}/connector/", {"webhook_url": "ftp://x.test/"})
    assert response.status_code == 422
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session:
            cfg = await session.scalar(select(WebcareConfig))
    assert cfg is None or cfg.webhook_url == ""

    text = await setup_webhook(client, wc, "http://127.0.0.1:9/hook")
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session:
            cfg = await session.scalar(select(WebcareConfig))
    assert cfg.webhook_url == "http://127.0.0.1:9/hook" and len(cfg.webhook_secret) >= 32
    assert cfg.webhook_secret in text
    page = await client.get(f"{base(wc.a)}/connector/")
    assert cfg.webhook_secret not in page.text  # shown once
    # a marketer (not configuring webcare) may not see the settings
    client.cookies.clear()
    await login_as(client, wc.a, "marketer")
    assert (await client.get(f"{base(wc.a)}/connector/")).status_code == 403


async def test_webhook_without_settings_is_refused(client, wc: World, sessionmaker) -> None:
    case_id = await make_case(sessionmaker, wc.a)
    await login_as(client, wc.a, "agent")
    response = await post_form(client, f"{base(wc.a)}/cases/{case_id}/replies",
                               {"body": "Hoi", "connector": "webhook"})
    assert response.status_code == 422 and 'De webhookkoppeling is nog niet ingesteld.' in response.text
    assert await rows(sessionmaker, wc.a, Reply) == []


async def test_signed_delivery_retries_then_sends(app, client, wc: World, sessionmaker, receiver: Receiver) -> None:
    await setup_webhook(client, wc, receiver.url)
    case_id = await make_case(sessionmaker, wc.a, number=7)
    await compose_webhook(client, wc, case_id)
    [reply] = await rows(sessionmaker, wc.a, Reply)
    assert (reply.status, reply.connector) == ("sending", "webhook")

    receiver.answers = [500]
    assert await run_named_job(app, "webcare.deliver_reply", wc.a.id, reply_id=str(reply.id)) == "retry"
    assert (await get(sessionmaker, wc.a, Reply, reply.id)).status == "sending"
    assert await run_named_job(app, "webcare.deliver_reply", wc.a.id, reply_id=str(reply.id)) == "sent"

    with tenant_scope(wc.a.id):
        async with sessionmaker() as session:
            secret = (await session.scalar(select(WebcareConfig))).webhook_secret
    assert len(receiver.received) == 2
    for attempt, (headers, raw) in enumerate(receiver.received, start=1):
        expected = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["x-regie-signature"], expected)
        assert headers["x-regie-delivery"] == f"{reply.id}:{attempt}"
        payload = json.loads(raw)
        assert payload == {"reply_id": str(reply.id), "case_number": 7, "body": "We zijn ermee bezig.",
                           "author_handle": "@jan", "channel": "twitter", "url": "https://x.test/status/1"}
    # a wrong secret does not verify
    headers, raw = receiver.received[0]
    assert headers["x-regie-signature"] != "sha256=" + hmac.new(b"other", raw, hashlib.sha256).hexdigest()

    reply = await get(sessionmaker, wc.a, Reply, reply.id)
    assert (reply.status, reply.attempts, reply.external_url) == ("sent", 2, "https://x.test/posted/1")
    deliveries = await rows(sessionmaker, wc.a, Delivery, Delivery.reply_id == reply.id)
    assert [(d.attempt, d.status_code, d.succeeded) for d in sorted(deliveries, key=lambda d: d.attempt)] == \
        [(1, 500, False), (2, 200, True)]
    assert "HTTP 500" in sorted(deliveries, key=lambda d: d.attempt)[0].error
    case = await get(sessionmaker, wc.a, Case, case_id)
    assert case.first_response_at is not None and case.status == "open"
    [line] = await rows(sessionmaker, wc.a, CaseMessage, CaseMessage.kind == "reply")
    assert (line.reply_id, line.url) == (reply.id, "https://x.test/posted/1")

    # idempotent: a repeated message sends nothing
    assert await run_named_job(app, "webcare.deliver_reply", wc.a.id, reply_id=str(reply.id)) == "skipped"
    assert len(receiver.received) == 2
    # the case's panel shows the delivery log
    panel = await client.get(f"{base(wc.a)}/cases/{case_id}/replies", headers={"HX-Request": "true"})
    assert "Afleverlog (2 pogingen)" in panel.text and "HTTP 500" in panel.text


async def test_five_failures_fail_the_reply(app, client, wc: World, sessionmaker, receiver: Receiver) -> None:
    await setup_webhook(client, wc, receiver.url)
    case_id = await make_case(sessionmaker, wc.a)
    await compose_webhook(client, wc, case_id)
    [reply] = await rows(sessionmaker, wc.a, Reply)
    receiver.answers = [500, 502, 503, 500, 500, 200]
    outcomes = [await run_named_job(app, "webcare.deliver_reply", wc.a.id, reply_id=str(reply.id))
                for _ in range(6)]
    assert outcomes == ["retry", "retry", "retry", "retry", "failed", "skipped"]
    assert [backoff(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    reply = await get(sessionmaker, wc.a, Reply, reply.id)
    assert (reply.status, reply.attempts, reply.sent_at) == ("failed", 5, None)
    assert len(await rows(sessionmaker, wc.a, Delivery, Delivery.reply_id == reply.id)) == 5
    events = await rows(sessionmaker, wc.a, CaseMessage, CaseMessage.kind == "event")
    assert [e.details["event"] for e in events] == ["reply_failed"]
    assert (await get(sessionmaker, wc.a, Case, case_id)).first_response_at is None

    # retried by hand: the panel offers it; one attempt per retry; a repeated retry changes nothing
    panel = await client.get(f"{base(wc.a)}/cases/{case_id}/replies", headers={"HX-Request": "true"})
    assert f"/replies/{reply.id}/retry" in panel.text and "Opnieuw proberen af te leveren" in panel.text
    client.cookies.clear()
    await login_as(client, wc.a, "viewer")
    assert (await post_form(client, f"{base(wc.a)}/cases/{case_id}/replies/{reply.id}/retry", {},
                            follow_redirects=False)).status_code == 403
    client.cookies.clear()
    await login_as(client, wc.a, "agent")
    retry_url = f"{base(wc.a)}/cases/{case_id}/replies/{reply.id}/retry"
    assert (await post_form(client, retry_url, {}, follow_redirects=False)).status_code == 303
    assert (await get(sessionmaker, wc.a, Reply, reply.id)).status == "sending"
    assert (await post_form(client, retry_url, {}, follow_redirects=False)).status_code == 303  # a double click
    receiver.answers = [500]
    assert await run_named_job(app, "webcare.deliver_reply", wc.a.id, reply_id=str(reply.id)) == "failed"
    assert (await get(sessionmaker, wc.a, Reply, reply.id)).attempts == 6
    headers = await api_headers(sessionmaker, wc.a, "agent")
    api = f"/api/v1/t/acme/webcare/replies/{reply.id}/retry"
    for _ in range(2):  # idempotent: the second call finds it sending and returns it as it is
        response = await client.post(api, headers=headers)
        assert response.status_code == 200 and response.json()["status"] == "sending", response.text
    assert await run_named_job(app, "webcare.deliver_reply", wc.a.id, reply_id=str(reply.id)) == "sent"
    response = await client.post(api, headers=headers)
    assert response.status_code == 200 and response.json()["status"] == "sent"
    reply = await get(sessionmaker, wc.a, Reply, reply.id)
    assert (reply.status, reply.attempts, reply.external_url) == ("sent", 7, "https://x.test/posted/1")
    assert len(await rows(sessionmaker, wc.a, Delivery, Delivery.reply_id == reply.id)) == 7
    events = await rows(sessionmaker, wc.a, CaseMessage, CaseMessage.kind == "event")
    assert [e.details["event"] for e in events] == ["reply_failed", "reply_retried", "reply_failed",
                                                    "reply_retried", "status"]
    assert len(await rows(sessionmaker, wc.a, CaseMessage, CaseMessage.kind == "reply")) == 1
    # only a failed webhook reply: a posted-elsewhere one is refused; another case's path is not found
    other = await make_case(sessionmaker, wc.a, number=2)
    response = await client.post(f"/api/v1/t/acme/webcare/cases/{other}/replies", headers=headers,
                                 json={"body": "Hoi", "external_url": "https://x.test/p/2"})
    assert response.status_code == 201 and response.json()["status"] == "sent"
    response = await client.post(f"/api/v1/t/acme/webcare/replies/{response.json()['id']}/retry", headers=headers)
    assert response.status_code == 409
    assert (await post_form(client, f"{base(wc.a)}/cases/{other}/replies/{reply.id}/retry", {},
                            follow_redirects=False)).status_code == 404
