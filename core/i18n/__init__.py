"""Interface language: Dutch by default, English complete.

Source strings (msgids) are English; Dutch lives in gettext catalogues under
`frontend/translations/nl/LC_MESSAGES/*.po` (one file per domain slice, merged at start-up), read
with Babel. A test extracts every marked string and fails on a missing Dutch translation.

Words that follow a count use the language's plural forms (`ngettext_for`, `Plural`; `msgid_plural` entries
in the .po files), never "target(s)". Floats, dates and times given as parameters are written the way the
language writes them (`core.i18n.formats`).

A few msgids are keys rather than English text (the audit log's actions, `audit_actions.po`): those have an
English catalogue too (`translations/en/`), so no language shows the key itself.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from core.i18n import formats

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "frontend" / "translations"


PLUGIN_TRANSLATION_DIRS: list[Path] = []
"""Plugins' translation folders, added by the plugin host (`PluginInfo.translations`)."""


def add_translations(folder: Path) -> None:
    if folder not in PLUGIN_TRANSLATION_DIRS:
        PLUGIN_TRANSLATION_DIRS.append(folder)
        catalogue.cache_clear()
        plural_catalogue.cache_clear()


def po_files(lang: str) -> list[Path]:
    """Every .po file of a language: the core's, then each plugin's."""
    files: list[Path] = []
    for root in (TRANSLATIONS_DIR, *PLUGIN_TRANSLATION_DIRS):
        folder = root / lang / "LC_MESSAGES"
        files += sorted(folder.glob("*.po")) if folder.exists() else []
    return files


@cache
def catalogue(lang: str) -> dict[str, str]:
    """msgid → translation for a language, merged from every .po file of that language (singular messages)."""
    return _read(lang)[0]


@cache
def plural_catalogue(lang: str) -> dict[tuple[str, str], tuple[str, ...]]:
    """(singular, plural) msgid → the language's plural forms, from `msgid_plural` entries."""
    return _read(lang)[1]


def _read(lang: str) -> tuple[dict[str, str], dict[tuple[str, str], tuple[str, ...]]]:
    messages: dict[str, str] = {}
    plurals: dict[tuple[str, str], tuple[str, ...]] = {}
    for po_file in po_files(lang):
        with po_file.open("rb") as fh:
            for message in read_po(fh, locale=lang):
                if not message.id or not message.string or message.fuzzy:
                    continue
                if isinstance(message.id, tuple | list):
                    forms = tuple(str(f) for f in message.string)
                    if all(forms):
                        plurals[(str(message.id[0]), str(message.id[1]))] = forms
                else:
                    messages[str(message.id)] = str(message.string)
    return messages, plurals


@cache
def plural_index(lang: str) -> Callable[[int], int]:
    """n → which plural form a language uses (CLDR via Babel: Dutch and English say 1 thing, 0 or 2 things)."""
    return gettext.c2py(get_plural(lang).plural_expr)


def _fill(text: str, params: dict[str, Any], lang: str) -> str:
    """Fill `{named}` placeholders; floats, dates and times as the language writes them."""
    if not params:
        return text
    return text.format(**{k: formats.parameter(v, lang) for k, v in params.items()})


def gettext_for(lang: str) -> Callable[..., str]:
    """A `_()` for one language: translate, then fill `{named}` placeholders."""
    table = catalogue(lang)  # English: only message keys (audit actions), the source text is English

    def _(msgid: str, **params: Any) -> str:
        return _fill(table.get(msgid, msgid), params, lang)

    return _


def ngettext_for(lang: str) -> Callable[..., str]:
    """`ngettext(singular, plural, n, **params)` for one language: the form that fits `n`, with `{n}` filled in
    (written as an amount: "1.500" in Dutch).

    The English source is the fallback: `singular` for n == 1, `plural` otherwise.
    """
    table = plural_catalogue(lang) if lang != "en" else {}
    choose = plural_index(lang)

    def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
        count = int(n)
        forms = table.get((singular, plural))
        text = forms[min(choose(count), len(forms) - 1)] if forms else (singular if count == 1 else plural)
        return _fill(text, {"n": formats.number(n, lang), **params}, lang)  # a count: "1.500 vermeldingen"

    return ngettext


def normalise(lang: str | None) -> str:
    lang = (lang or "").lower()[:2]
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


class Msg:
    """A translatable message with parameters, kept untranslated until a request's language is known."""

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msgid = msgid
        self.params = params

    def render(self, lang: str) -> str:
        return gettext_for(lang)(self.msgid, **{k: _rendered(v, lang) for k, v in self.params.items()})

    def __str__(self) -> str:
        return self.render("en")

    def to_data(self) -> dict[str, Any]:
        """The message as JSON (kept with a stored record, rendered later in each reader's language)."""
        return {"msgid": self.msgid, "params": {k: _stored(v) for k, v in self.params.items()}}

    @staticmethod
    def from_data(data: dict[str, Any]) -> Msg:
        params = {k: _loaded(v) for k, v in (data.get("params") or {}).items()}
        if "plural" in data:
            return Plural(str(data["msgid"]), str(data["plural"]), int(data["n"]), **params)
        return Msg(str(data["msgid"]), **params)

    def __repr__(self) -> str:
        return f"Msg({self.msgid!r})"


class Plural(Msg):
    """A message whose words follow a count: `Plural("{n} target set", "{n} targets set", n)`.

    Rendered with the language's plural rule (`ngettext_for`), never as "target(s)"; `{n}` is the count.
    """

    def __init__(self, singular: str, plural: str, n: int, **params: Any) -> None:
        super().__init__(singular, **params)
        self.plural = plural
        self.n = n

    def render(self, lang: str) -> str:
        return ngettext_for(lang)(self.msgid, self.plural, self.n,
                                  **{k: _rendered(v, lang) for k, v in self.params.items()})

    def to_data(self) -> dict[str, Any]:
        return {**super().to_data(), "plural": self.plural, "n": self.n}

    def __repr__(self) -> str:
        return f"Plural({self.msgid!r}, {self.plural!r}, {self.n!r})"


def _rendered(value: Any, lang: str) -> Any:
    """A message inside a message ("{title}: {summary}") is rendered in the same language."""
    return value.render(lang) if isinstance(value, Msg) else value


def _stored(value: Any) -> Any:
    if isinstance(value, Msg):
        return {"msg": value.to_data()}
    if isinstance(value, datetime | date):
        return {"iso": value.isoformat(), "time": isinstance(value, datetime)}
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def _loaded(value: Any) -> Any:
    if isinstance(value, dict) and "msg" in value:
        return Msg.from_data(value["msg"])
    if isinstance(value, dict) and "iso" in value:
        return datetime.fromisoformat(value["iso"]) if value.get("time") else date.fromisoformat(value["iso"])
    return value


def N_(msgid: str) -> str:  # noqa: N802 - gettext convention
    """Mark a string for extraction where it is translated later (tables, enums)."""
    return msgid
