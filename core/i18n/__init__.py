"""Interface language: Dutch by default, English complete.

Source strings (msgids) are English; Dutch lives in gettext catalogues under
`frontend/translations/nl/LC_MESSAGES/*.po` (one file per domain slice, merged at start-up), read
with Babel. A test extracts every marked string and fails on a missing Dutch translation.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "frontend" / "translations"


PLUGIN_TRANSLATION_DIRS: list[Path] = []
"""Plugins' translation folders, added by the plugin host (`PluginInfo.translations`)."""


def add_translations(folder: Path) -> None:
    if folder not in PLUGIN_TRANSLATION_DIRS:
        PLUGIN_TRANSLATION_DIRS.append(folder)
        catalogue.cache_clear()


def po_files(lang: str) -> list[Path]:
    """Every .po file of a language: the core's, then each plugin's."""
    files: list[Path] = []
    for root in (TRANSLATIONS_DIR, *PLUGIN_TRANSLATION_DIRS):
        folder = root / lang / "LC_MESSAGES"
        files += sorted(folder.glob("*.po")) if folder.exists() else []
    return files


@cache
def catalogue(lang: str) -> dict[str, str]:
    """msgid → translation for a language, merged from every .po file of that language."""
    messages: dict[str, str] = {}
    for po_file in po_files(lang):
        with po_file.open("rb") as fh:
            for message in read_po(fh, locale=lang):
                if message.id and message.string and not message.fuzzy:
                    messages[str(message.id)] = str(message.string)
    return messages


def gettext_for(lang: str) -> Callable[..., str]:
    """A `_()` for one language: translate, then fill `{named}` placeholders."""
    table = catalogue(lang) if lang != "en" else {}

    def _(msgid: str, **params: Any) -> str:
        text = table.get(msgid, msgid)
        return text.format(**params) if params else text

    return _


def normalise(lang: str | None) -> str:
    lang = (lang or "").lower()[:2]
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def babel_translations(lang: str) -> Translations:
    """For Jinja's i18n extension, if a template prefers `{% trans %}` blocks."""
    return Translations.load(str(TRANSLATIONS_DIR), [lang])


class Msg:
    """A translatable message with parameters, kept untranslated until a request's language is known."""

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msgid = msgid
        self.params = params

    def render(self, lang: str) -> str:
        return gettext_for(lang)(self.msgid, **self.params)

    def __str__(self) -> str:
        return self.render("en")

    def __repr__(self) -> str:
        return f"Msg({self.msgid!r})"


def N_(msgid: str) -> str:  # noqa: N802 - gettext convention
    """Mark a string for extraction where it is translated later (tables, enums)."""
    return msgid
