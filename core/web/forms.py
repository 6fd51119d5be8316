"""Form plumbing shared by the HTML handlers."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import Body

from core.i18n import normalise

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
"""A url-encoded form as a dict (the CSRF field is checked by the middleware and ignored here)."""
MultipartForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def state(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return request.scope["state"]


def principal_of(request: Request[Any, Any, Any]) -> Any:
    return request.scope["state"]["principal"]


def lang_of(request: Request[Any, Any, Any], choice: str | None = None) -> str:
    """The request's language; an explicit choice (the API's ?lang=nl|en) replaces it for the rest of the
    request, so error reasons come in that language too."""
    state = request.scope["state"]
    if choice:
        state["lang"] = normalise(choice)
    return state["lang"]


def tenant_of(request: Request[Any, Any, Any]) -> Any:
    return request.scope["state"]["tenant"]
