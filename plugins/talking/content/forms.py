"""The post form's flat fields ↔ the nested data the service cleans.

Inputs are named as the service names its errors: `variants.<account id>.text`, `variants.<account id>.images.<n>.url`
and `.alt`, so each reason lands next to its field."""

from __future__ import annotations

from typing import Any

from core.plugins.api import links_in_text
from plugins.talking.models import MAX_IMAGES, Post
from plugins.talking.moments import form_value

FIELDS = ("title", "theme", "objective", "home", "department_id", "publish_at", "revision", "source_kind",
          "source_id")


def post_data(form: dict[str, Any]) -> dict[str, Any]:
    """A submitted form as the service's data."""
    data: dict[str, Any] = {k: form.get(k) for k in FIELDS if k in form}
    variants: dict[str, dict[str, Any]] = {}
    for key, value in form.items():
        parts = str(key).split(".")
        if parts[0] != "variants" or len(parts) < 3:
            continue
        entry = variants.setdefault(parts[1], {"text": "", "images": {}})
        if len(parts) == 3 and parts[2] == "text":
            entry["text"] = value
        elif len(parts) == 5 and parts[2] == "images" and parts[3].isdigit() and parts[4] in ("url", "alt"):
            entry["images"].setdefault(int(parts[3]), {})[parts[4]] = value
    data["variants"] = {aid: {"text": entry["text"], "images": [entry["images"][n] for n in sorted(entry["images"])]}
                        for aid, entry in variants.items()}
    return data


def home_of(post: Post) -> str:
    return f"campaign:{post.campaign_id}" if post.campaign_id else f"stream:{post.stream_id}" if post.stream_id else ""


def post_form(post: Post) -> dict[str, Any]:
    """A stored post as the form's values."""
    form: dict[str, Any] = {"title": post.title, "theme": post.theme, "objective": post.objective,
                            "home": home_of(post), "department_id": str(post.department_id or ""),
                            "publish_at": form_value(post.publish_at), "revision": str(post.revision)}
    for variant in post.variants:
        form[f"variants.{variant.account_id}.text"] = variant.text
        for n, image in enumerate((variant.images or [])[:MAX_IMAGES], start=1):
            form[f"variants.{variant.account_id}.images.{n}.url"] = image.get("url", "")
            form[f"variants.{variant.account_id}.images.{n}.alt"] = image.get("alt", "")
    return form


def segments(text: str) -> list[tuple[str, str]]:
    """A text as (piece, address) pairs, the address empty for plain text: a template links them, escaped."""
    pieces: list[tuple[str, str]] = []
    cursor = 0
    for start, end, url in links_in_text(text or ""):
        pieces += [(text[cursor:start], ""), (url, url)]
        cursor = end
    pieces.append((text[cursor:], ""))
    return [p for p in pieces if p[0]]
