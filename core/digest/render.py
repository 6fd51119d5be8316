"""The digest as mail: a subject, an HTML part and a plain-text part, in the reader's language.

Rendered outside a request (the job has none), with its own Jinja environment over the same template folder;
the settings page shows the HTML body (`digest/_body.html`) as its preview.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape

from core.digest.content import Digest
from core.i18n import gettext_for
from core.i18n.formats import number as format_number
from core.web.filters import install_filters

FRONTEND_TEMPLATES = Path(__file__).resolve().parents[2] / "frontend" / "templates"


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(FRONTEND_TEMPLATES)), trim_blocks=True, lstrip_blocks=True,
                      autoescape=select_autoescape(["html"]))
    install_filters(env)
    return env


def number(value: float | None, unit: str, lang: str) -> str:
    """A KPI value as people read it: whole counts, one decimal for levels, "%" for percentages."""
    if value is None:
        return "—"
    whole = unit in ("count", "euro", "eur", "leads", "number") or float(value).is_integer()
    text = format_number(value, lang, 0 if whole else 1, keep_zeros=True)
    return f"{text} %" if unit == "percent" else text


def signed(value: float | None, unit: str, lang: str) -> str:
    """A change with its sign; a percentage's change is in percentage points ("+2.5 pt")."""
    if value is None:
        return ""
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    if unit == "percent":
        return f"{sign}{number(abs(value), 'index', lang)} pt"
    return sign + number(abs(value), unit, lang)


def _context(digest: Digest, base_url: str, unsubscribe_url: str = "") -> dict[str, Any]:
    lang = digest.lang
    tenant_url = f"{base_url}/t/{digest.tenant_slug}/"
    return {"d": digest, "lang": lang, "_": gettext_for(lang), "tenant_url": tenant_url,
            "settings_url": f"{tenant_url}digest/", "roadmap_url": f"{tenant_url}roadmap/",
            "unsubscribe_url": unsubscribe_url,
            "num": lambda value, unit: number(value, unit, lang),
            "signed": lambda value, unit: signed(value, unit, lang),
            "pct": lambda value: format_decimal(round(value), format="#,##0", locale=lang) + " %"}


def subject(digest: Digest) -> str:
    _ = gettext_for(digest.lang)
    return _("{tenant}: weekly digest {week}", tenant=digest.tenant_name, week=digest.week)


def render_mail(digest: Digest, base_url: str, unsubscribe_url: str) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of one person's mail."""
    env = environment()
    ctx = _context(digest, base_url, unsubscribe_url)
    return (subject(digest), env.get_template("digest/mail.txt").render(ctx),
            env.get_template("digest/mail.html").render(ctx))


INLINE_STYLE = re.compile(r'\sstyle="[^"]*"')


def render_preview(digest: Digest, base_url: str) -> str:
    """The HTML body alone, for the settings page (no unsubscribe link: the page has the switch).

    Without its inline styles: mail clients need them, but the page's CSP forbids them (the page styles
    `.digest-preview` from regie.css instead). The attributes are the template's own literals, never user text.
    """
    html = environment().get_template("digest/_body.html").render(_context(digest, base_url))
    return INLINE_STYLE.sub("", html)
