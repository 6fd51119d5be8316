"""Every marked string has a Dutch translation; .po files never disagree about a msgid.

Extraction: Babel's Python extractor for `_()`, `Msg()`, `N_()`, `gettext()`; an AST pass for the
`msgid="..."` keyword of `DomainError` / `Refused` (and any other call taking `msgid=`), which is not a
positional gettext call; a regex for `_("...")` in the Jinja templates of the core and the plugins.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from core.i18n import catalogue, po_files
from core.plugins.manager import build_plugin_manager

build_plugin_manager()  # registers the plugins' translation folders

ROOT = Path(__file__).resolve().parents[2]
PY_DIRS = [ROOT / "core", ROOT / "plugins"]
TEMPLATE_DIRS = [ROOT / "frontend" / "templates", ROOT / "plugins"]
KEYWORDS = {"_": None, "Msg": None, "N_": None, "gettext": None}
SKIP_PARTS = {"migrations", "__pycache__", "demo"}
TEMPLATE_CALL = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""", re.S)


def _python_files() -> list[Path]:
    files: list[Path] = []
    for folder in PY_DIRS:
        files += [p for p in folder.rglob("*.py") if not SKIP_PARTS & set(p.relative_to(ROOT).parts)]
    return sorted(files)


def _msgid_kwargs(path: Path) -> list[tuple[str, int]]:
    """`msgid="..."` keyword arguments (implicit concatenation folded by the parser)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == "msgid" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                    found.append((kw.value.value, node.lineno))
    return found


def extract_msgids() -> dict[str, list[str]]:
    """msgid → every place it was found (path:line)."""
    found: dict[str, list[str]] = defaultdict(list)

    def add(msgid: str, where: str) -> None:
        if msgid and msgid.strip():
            found[msgid].append(where)

    for path in _python_files():
        rel = path.relative_to(ROOT)
        for lineno, message, _comments, _context in extract_from_file(
                "python", str(path), keywords=KEYWORDS, comment_tags=(), strip_comment_tags=True):
            msgid = message[0] if isinstance(message, tuple) else message
            if isinstance(msgid, str):
                add(msgid, f"{rel}:{lineno}")
        for msgid, lineno in _msgid_kwargs(path):
            add(msgid, f"{rel}:{lineno}")
    for folder in TEMPLATE_DIRS:
        for path in sorted(folder.rglob("*.html")):
            text = path.read_text(encoding="utf-8")
            for match in TEMPLATE_CALL.finditer(text):
                raw = match.group(1) if match.group(1) is not None else match.group(2)
                msgid = raw.encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8") \
                    if "\\" in raw else raw
                add(msgid, f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}")
    return dict(found)


def test_extraction_finds_known_strings() -> None:
    msgids = extract_msgids()
    assert "E-mail address or password is incorrect." in msgids  # msgid= keyword (DomainError)
    assert "The passwords do not match." in msgids  # Msg(...)
    assert "Development mailbox" in msgids  # a template


def test_every_msgid_has_a_dutch_translation() -> None:
    table = catalogue("nl")
    missing = {m: places[0] for m, places in extract_msgids().items() if not table.get(m, "").strip()}
    lines = [f"  {where}: {msgid!r}" for msgid, where in sorted(missing.items(), key=lambda kv: kv[1])]
    assert not missing, f"{len(missing)} msgid(s) without Dutch translation:\n" + "\n".join(lines)


def test_core_catalogue_is_complete() -> None:
    """The core shell's own strings (auth, web, mail, CLI and their templates) — independent of other slices."""
    table = catalogue("nl")
    mine = ("core/auth/", "core/web/", "core/mail/", "core/cli/", "core/errors.py", "core/validation.py",
            "core/tenancy/", "frontend/templates/layout.html", "frontend/templates/macros.html",
            "frontend/templates/error.html", "frontend/templates/auth/", "frontend/templates/mail/")
    missing = sorted(f"{places[0]}: {msgid!r}" for msgid, places in extract_msgids().items()
                     if any(p.startswith(mine) for p in places) and not table.get(msgid, "").strip())
    assert not missing, "core strings without Dutch translation:\n  " + "\n  ".join(missing)


def test_no_conflicting_translations_across_po_files() -> None:
    seen: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for po in po_files("nl"):
        with po.open("rb") as fh:
            for message in read_po(fh, locale="nl"):
                if message.id and message.string:
                    seen[str(message.id)][str(message.string)].append(po.name)
    conflicts = {m: dict(t) for m, t in seen.items() if len(t) > 1}
    assert not conflicts, "msgids translated differently in different .po files:\n" + "\n".join(
        f"  {m!r}: {t}" for m, t in conflicts.items())


def test_placeholders_survive_translation() -> None:
    """A Dutch text must use exactly the `{named}` placeholders of its msgid (else .format() breaks)."""
    names = re.compile(r"{(\w+)}")
    bad = [f"  {m!r} → {t!r}" for m, t in catalogue("nl").items() if set(names.findall(m)) != set(names.findall(t))]
    assert not bad, "placeholders differ:\n" + "\n".join(bad)
