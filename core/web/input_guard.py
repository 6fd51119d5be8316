"""One check before every handler: text with a NUL character is refused as bad input (422, field + reason).

PostgreSQL cannot store U+0000 in text columns and raises a driver error, which used to surface as a 500;
SQLite stored it silently. The fuzzer (tests/contract/test_api_fuzz.py) found this on the JSON API.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from litestar import Request

from core.errors import DomainError
from core.i18n import N_

REASON = N_("Text must not contain NUL characters.")


def _first_nul(value: Any, path: str) -> str | None:
    """The dotted path of the first string (or key) holding a NUL, or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return where
            found = _first_nul(item, where)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _first_nul(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


async def reject_nul(request: Request[Any, Any, Any]) -> None:
    """Query parameters, JSON bodies and url-encoded forms; uploads (multipart) are the parsers' business."""
    if request.route_handler.opt.get("cleans_nul"):
        return  # handlers that take third-party data (mention ingestion) strip NULs themselves
    for key, value in request.query_params.items():
        if "\x00" in key or "\x00" in value:
            raise DomainError(field=key.replace("\x00", ""), msgid=REASON)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/json", "application/x-www-form-urlencoded"):
        return
    body = await request.body()  # cached on the request: the handler reads it again
    if content_type == "application/json":
        if b"\\u0000" not in body and b"\x00" not in body:
            return
        try:
            found = _first_nul(json.loads(body), "")
        except ValueError:
            return  # malformed JSON: the handler's own decoding answers with a 400
        if found is not None:
            raise DomainError(field=found or "body", msgid=REASON)
    elif b"%00" in body or b"\x00" in body:
        for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            if "\x00" in key or "\x00" in value:
                raise DomainError(field=key.replace("\x00", "") or "body", msgid=REASON)
