"""Outgoing mail: SMTP when SMTP_URL is set, else files in var/outbox shown on the dev mailbox."""

from __future__ import annotations

import json
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from core.settings import Settings

SENDER = "Regie <noreply@regie.local>"


def deliver(settings: Settings, message_id: str, to: str, subject: str, text: str, html: str = "") -> bool:
    """Send one mail; idempotent on message_id (a redelivered job does not send twice). True if sent now."""
    settings.outbox_dir.mkdir(parents=True, exist_ok=True)
    marker = settings.outbox_dir / f"{message_id}.json"
    if marker.exists():
        return False
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = SENDER, to, subject
    msg["Message-ID"] = f"<{message_id}@regie.local>"
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    if settings.smtp_url:
        _smtp_send(settings.smtp_url, msg)
    record = {"id": message_id, "to": to, "subject": subject, "text": text, "html": html,
              "sent_at": datetime.now(UTC).isoformat(), "smtp": bool(settings.smtp_url)}
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False))
    tmp.replace(marker)
    return True


def _smtp_send(url: str, msg: EmailMessage) -> None:
    parts = urlparse(url)
    cls = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with cls(parts.hostname or "localhost", parts.port or (465 if parts.scheme == "smtps" else 25),
             timeout=30) as smtp:
        if parts.scheme == "smtp+starttls":
            smtp.starttls()
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(msg)


def outbox(settings: Settings, limit: int = 50) -> list[dict]:
    """Newest mails written to the outbox (for the development mailbox and tests)."""
    folder: Path = settings.outbox_dir
    if not folder.exists():
        return []
    files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)[:limit]
    return [json.loads(p.read_text()) for p in files]


def send_mail(session: Any, to: str, subject: str, text: str, html: str = "") -> None:
    """Queue a mail in the caller's transaction (the outbox): sent after commit, never for a rollback."""
    from core.jobs.outbox import enqueue

    enqueue(session, "core.send_mail", to=to, subject=subject, text=text, html=html)
