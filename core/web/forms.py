"""Form plumbing shared by the HTML handlers."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import Body

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
"""A url-encoded form as a dict (the CSRF field is checked by the middleware and ignored here)."""
MultipartForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def state(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return request.scope["state"]


def principal_of(request: Request[Any, Any, Any]) -> Any:
    return request.scope["state"]["principal"]


def lang_of(request: Request[Any, Any, Any]) -> str:
    return request.scope["state"]["lang"]


def tenant_of(request: Request[Any, Any, Any]) -> Any:
    return request.scope["state"]["tenant"]
