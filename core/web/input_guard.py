"""One check before every handler: text with a NUL character is refused as bad input (422, field + reason),
so is JSON nested too deep, and a route that takes JSON takes it only as application/json (415 otherwise).

PostgreSQL cannot store U+0000 in text columns and raises a driver error, which used to surface as a 500;
SQLite stored it silently. The fuzzer (tests/contract/test_api_fuzz.py) found this on the JSON API. Litestar
decodes a JSON `data` whatever the Content-Type says, so a JSON body sent as text/plain skipped the check: the
415 makes every body that reaches a JSON decoder one this check has read. Deep nesting made the decoders
recurse into a RecursionError.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException

from core.errors import DomainError
from core.i18n import N_
from core.validation import check_json_depth

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


JSON = "application/json"
URL_ENCODED = RequestEncodingType.URL_ENCODED.value
MULTI_PART = RequestEncodingType.MULTI_PART.value


class UnsupportedBody(HTTPException):
    """A body that is not application/json on a route that takes JSON: 415 on the field `content-type`."""

    status_code = 415


def body_kind(handler: Any) -> str | None:
    """How the handler's `data` will be parsed: "json", a url-encoded or multipart form, or None (no body).

    Litestar decides by the handler, not by the request: a JSON `data` is decoded whatever the Content-Type
    says, and a url-encoded form is parsed from any body that is not multipart. So is this check.
    """
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return None
    media_type = getattr(data.kwarg_definition, "media_type", None)
    return media_type.value if media_type in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART) \
        else "json"


async def _has_body(request: Request[Any, Any, Any]) -> bool:
    """Whether anything was sent: an empty POST (an optional body left out) needs no Content-Type."""
    length = request.headers.get("content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return bool(await request.body())


async def reject_nul(request: Request[Any, Any, Any]) -> None:
    """The one check of what a request carries, before any handler parses it.

    Query parameters, JSON bodies and forms (url-encoded, and multipart text fields and file names) with a
    NUL: 422 on the field. A JSON body nested too deep: 422 on `body`. A route that takes JSON refuses any
    other Content-Type with 415 (the uploads take multipart and are judged by their own parsers).
    """
    cleans_nul = bool(request.route_handler.opt.get("cleans_nul"))  # third-party data (mention ingestion)
    if not cleans_nul:
        for key, value in request.query_params.items():
            if "\x00" in key or "\x00" in value:
                raise DomainError(field=key.replace("\x00", ""), msgid=REASON)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == JSON:
        check_json_depth(await request.body(), field="body")  # before anything recursive sees it
    kind = body_kind(request.route_handler)
    if kind == "json":
        if content_type != JSON:
            if await _has_body(request):
                raise UnsupportedBody(detail="content type")
            return
        body = await request.body()  # cached on the request: the handler reads it again
        if cleans_nul or (b"\\u0000" not in body and b"\x00" not in body):
            return
        try:
            found = _first_nul(json.loads(body), "")
        except ValueError:
            return  # malformed JSON: the handler's own decoding answers with a 400
        if found is not None:
            raise DomainError(field=found or "body", msgid=REASON)
    elif cleans_nul or kind is None:
        return
    elif content_type == MULTI_PART:
        form = await request.form()  # cached: the handler gets these fields (as after the CSRF check)
        for key, value in form.multi_items():
            text = value.filename if isinstance(value, UploadFile) else str(value)
            if "\x00" in key or "\x00" in (text or ""):
                raise DomainError(field=key.replace("\x00", "") or "body", msgid=REASON)
    elif kind == URL_ENCODED:  # whatever the Content-Type says: the handler parses the body this way
        body = await request.body()
        if b"%00" in body or b"\x00" in body:
            for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
                if "\x00" in key or "\x00" in value:
                    raise DomainError(field=key.replace("\x00", "") or "body", msgid=REASON)
