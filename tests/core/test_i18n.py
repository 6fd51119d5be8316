"""Every marked string has a Dutch translation; .po files never disagree about a msgid.

Extraction: Babel's Python extractor for `_()`, `Msg()`, `N_()`, `gettext()` and the plural pairs of
`ngettext()` / `Plural()`; an AST pass for the `msgid="..."` keyword of `DomainError` / `Refused` (and any
other call taking `msgid=`), which is not a positional gettext call; a regex for `_("...")` and
`ngettext("...", "...", n)` in the Jinja templates of the core and the plugins.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from core.i18n import catalogue, plural_catalogue, po_files
from core.plugins.manager import build_plugin_manager

build_plugin_manager()  # registers the plugins' translation folders

ROOT = Path(__file__).resolve().parents[2]
PY_DIRS = [ROOT / "core", ROOT / "plugins"]
TEMPLATE_DIRS = [ROOT / "frontend" / "templates", ROOT / "plugins"]
KEYWORDS = {"_": None, "Msg": None, "N_": None, "gettext": None, "ngettext": (1, 2), "Plural": (1, 2)}
SKIP_PARTS = {"migrations", "__pycache__", "demo"}
TEMPLATE_CALL = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""", re.S)
_STRING = r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"""
TEMPLATE_PLURAL = re.compile(r"\bngettext\(\s*" + _STRING + r"\s*,\s*" + _STRING, re.S)


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


def _unescape(raw: str) -> str:
    return raw.encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8") if "\\" in raw else raw


def _group(match: re.Match[str], first: int) -> str:
    return _unescape(match.group(first) if match.group(first) is not None else match.group(first + 1))


@cache
def _extract() -> tuple[dict[str, list[str]], dict[tuple[str, str], list[str]]]:
    """(msgid → places, (singular, plural) → places); a place is path:line."""
    found: dict[str, list[str]] = defaultdict(list)
    plurals: dict[tuple[str, str], list[str]] = defaultdict(list)

    def add(msgid: str, where: str) -> None:
        if msgid and msgid.strip():
            found[msgid].append(where)

    for path in _python_files():
        rel = path.relative_to(ROOT)
        for lineno, message, _comments, _context in extract_from_file(
                "python", str(path), keywords=KEYWORDS, comment_tags=(), strip_comment_tags=True):
            if isinstance(message, tuple) and len(message) == 2 and all(isinstance(m, str) for m in message):
                plurals[(message[0], message[1])].append(f"{rel}:{lineno}")
                continue
            msgid = message[0] if isinstance(message, tuple) else message
            if isinstance(msgid, str):
                add(msgid, f"{rel}:{lineno}")
        for msgid, lineno in _msgid_kwargs(path):
            add(msgid, f"{rel}:{lineno}")
    for folder in TEMPLATE_DIRS:
        for path in sorted(folder.rglob("*.html")):
            text = path.read_text(encoding="utf-8")
            rel = path.relative_to(ROOT)
            for match in TEMPLATE_CALL.finditer(text):
                add(_group(match, 1), f"{rel}:{text.count(chr(10), 0, match.start()) + 1}")
            for match in TEMPLATE_PLURAL.finditer(text):
                plurals[(_group(match, 1), _group(match, 3))].append(
                    f"{rel}:{text.count(chr(10), 0, match.start()) + 1}")
    return dict(found), dict(plurals)


def extract_msgids() -> dict[str, list[str]]:
    """msgid → every place it was found (path:line)."""
    return _extract()[0]


def extract_plurals() -> dict[tuple[str, str], list[str]]:
    """(singular, plural) → every place an `ngettext` / `Plural` uses it."""
    return _extract()[1]


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


def test_every_plural_has_dutch_forms_with_the_same_placeholders() -> None:
    """`ngettext` / `Plural` pairs: both Dutch forms present, each with the placeholders of its English form."""
    table = plural_catalogue("nl")
    names = re.compile(r"{(\w+)}")
    missing = sorted(f"  {places[0]}: {pair!r}" for pair, places in extract_plurals().items() if pair not in table)
    assert not missing, "plural messages without Dutch forms:\n" + "\n".join(missing)
    bad = [f"  {pair!r} → {forms!r}" for pair, forms in table.items()
           if len(forms) != 2 or any(set(names.findall(f)) - set(names.findall(pair[1])) for f in forms)]
    assert not bad, "Dutch plural forms must be two and use only the English placeholders:\n" + "\n".join(bad)


PARENTHESISED_PLURAL = re.compile(r"\w\((?:s|es|en|n|'s)\)")


def test_no_text_writes_a_plural_in_brackets() -> None:
    """"35 dag(en)", "KPI('s)": a count picks its form (`ngettext`), in both languages."""
    found = [f"  {m!r}" for m in extract_msgids() if PARENTHESISED_PLURAL.search(m)]
    found += [f"  {t!r}" for t in catalogue("nl").values() if PARENTHESISED_PLURAL.search(t)]
    assert not found, "plural in brackets:\n" + "\n".join(found)


FORMAL_YOU = re.compile(r"\b(?:u|uw|uwe|uzelf)\b", re.IGNORECASE)
ABOUT_FORMS_OF_ADDRESS = re.compile(r"\b(?:u of je|je of u)\b", re.IGNORECASE)
"""Text about choosing a form of address (webcare's tone of voice) names "u" without using it."""


def test_dutch_speaks_to_the_reader_as_je() -> None:
    """One form of address in Dutch: "je" / "jouw", as most pages use; never "u" / "uw"."""
    formal = []
    for po in po_files("nl"):
        with po.open("rb") as fh:
            for message in read_po(fh, locale="nl"):
                strings = message.string if isinstance(message.string, tuple | list) else [message.string]
                for text in strings:
                    if text and FORMAL_YOU.search(ABOUT_FORMS_OF_ADDRESS.sub("", str(text))):
                        formal.append(f"  {po.name}: {str(text)[:90]!r}")
    assert not formal, "Dutch text that says u/uw:\n" + "\n".join(formal)


# --- formatting: the filters and message parameters ------------------------------------------------------
def _render(source: str, lang: str = "nl", **context: object) -> str:
    from jinja2 import Environment

    from core.web.filters import install_filters

    env = Environment(autoescape=True)
    install_filters(env)
    return env.from_string(source).render(lang=lang, **context)


def test_numbers_are_written_the_locale_way_never_in_scientific_notation() -> None:
    assert _render("{{ v | num }}", v=1051920.0) == "1.051.920"
    assert _render("{{ v | num }}", "en", v=1051920.0) == "1,051,920"
    assert _render("{{ v | num }}", v=43.8) == "43,8"
    assert _render("{{ v | num(1) }}", v=0.84) == "0,8"
    assert _render("{{ v | num(1, true) }}", v=3) == "3,0"
    assert _render("{{ v | num }}", v=None) == "—"
    assert _render("{{ v | num }}", v="12.0") == "12"
    assert _render("{{ v | pct(1) }}", v=43.8) == "43,8%"
    assert _render("{{ v | pct(share=true) }}", "en", v=0.5) == "50%"


def test_whole_numbers_written_quickly_read_as_babel_writes_them() -> None:
    from babel.numbers import format_decimal

    from core.i18n.formats import number

    values = [0, 7, -7, 999, 1000, -1000, 10**6, 1234567890123, -(10**15), 1051920.0, -3.0]
    for lang in ("nl", "en", "hi"):  # Hindi groups by two after the first three: it keeps Babel's way
        for value in values:
            whole = int(value) if isinstance(value, float) else value
            assert number(value, lang) == format_decimal(whole, locale=lang), (lang, value)
            assert number(value, lang, 0) == format_decimal(value, format="#,##0", locale=lang), (lang, value)
    assert number(1234567, "hi") == "12,34,567" and number(-1234567, "nl") == "-1.234.567"


def test_times_are_shown_in_amsterdam_time() -> None:
    from datetime import UTC, date, datetime

    winter, summer = datetime(2026, 12, 7, 6, 25, tzinfo=UTC), datetime(2026, 7, 1, 22, 30, tzinfo=UTC)
    assert _render('{{ t | dt("short") }}', t=winter) == "07-12-2026, 07:25"
    assert _render('{{ t | time }}', t=summer) == "00:30"
    assert _render("{{ t | d }}", t=summer) == "2 jul 2026"  # late evening UTC is the next day in Amsterdam
    assert _render("{{ t | d }}", "en", t=date(2026, 11, 16)) == "Nov 16, 2026"
    assert _render('{{ t | dt("short") }}', t=datetime(2026, 12, 7, 6, 25)) == "07-12-2026, 07:25"  # naive = UTC


def test_a_handle_has_one_at_sign() -> None:
    assert _render("{{ h | handle }}", h="@lisa_b") == "@lisa_b"
    assert _render("{{ h | handle }}", h="lisa_b") == "@lisa_b"
    assert _render("{{ h | handle }}", h="") == ""
    assert _render("{{ h | handle }}", h="klant@example.org") == "klant@example.org"


def test_counted_words_take_the_plural_form_of_the_language() -> None:
    from core.i18n import Plural, ngettext_for

    one = _render('{{ ngettext("{n} day measured", "{n} days measured", n) }}', n=1)
    many = _render('{{ ngettext("{n} day measured", "{n} days measured", n) }}', n=35)
    assert (one, many) == ("1 dag gemeten", "35 dagen gemeten")
    assert ngettext_for("en")("{n} day measured", "{n} days measured", 1) == "1 day measured"
    assert Plural("{n} target set", "{n} targets set", 1).render("nl") == "1 streefwaarde vastgesteld"
    assert Plural("{n} target set", "{n} targets set", 3).render("nl") == "3 streefwaarden vastgesteld"


def test_message_parameters_are_formatted_for_the_reader() -> None:
    """A float or a date handed to `_()` / `Msg` reads as the language writes it ("normaal 0,8")."""
    from datetime import date

    from core.i18n import Msg, gettext_for

    assert gettext_for("nl")("{observed} mentions in {minutes} min, normally {baseline}",
                             observed=57, minutes=60, baseline=0.8) == "57 vermeldingen in 60 min, normaal 0,8"
    assert Msg("{name} holds the regie since {date}", name="Sanne", date=date(2026, 11, 16)).render("nl") \
        == "Sanne voert de regie sinds 16 nov 2026"
    assert gettext_for("en")("Version {number} is already published.", number=1234) \
        == "Version 1234 is already published."  # whole numbers are left alone: often names, not amounts


# --- the audit log names its actions -----------------------------------------------------------------------
AUDIT_CALLS = {"record": 2, "record_audit": 2, "audit_account": 2, "_history": 2}
"""Functions that write an audit entry (or a training's history), and the position of their action argument."""
DYNAMIC_ACTIONS = {
    "privacy.{kind}": ("privacy.erase_author", "privacy.erase_user"),
    "webcare.community_{decision}d": ("webcare.community_approved", "webcare.community_rejected"),
    "webcare.customer_{field}": ("webcare.customer_ambassador", "webcare.customer_block"),
    "webcare.{event}": ("webcare.sla_warning", "webcare.sla_breach"),
}
"""Actions built from a variable part, written out (a new variant must be added here and labelled)."""


def _constants(node: ast.AST) -> list[str]:
    """The action strings an expression can produce: a literal, either side of `a if c else b`, an f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _constants(node.body) + _constants(node.orelse)
    if isinstance(node, ast.JoinedStr):
        pattern = "".join(v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}"
                          for v in node.values)
        assert pattern in DYNAMIC_ACTIONS, f"an audit action built as f{pattern!r}: list its variants"
        return list(DYNAMIC_ACTIONS[pattern])
    return []


def recorded_actions() -> dict[str, str]:
    """Every audit action the code can record → where (a literal, or a local `action = ...` it passes on)."""
    found: dict[str, str] = {}
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        local: list[str] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "action" for t in node.targets):
                local += _constants(node.value)
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                at = AUDIT_CALLS.get(name)
                if at is not None and len(node.args) > at:
                    argument = node.args[at]
                    values = local if isinstance(argument, ast.Name) and argument.id == "action" \
                        else _constants(argument)
                    for value in values:
                        found.setdefault(value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_audit_action_has_a_name_in_both_languages() -> None:
    """The audit log and the overview show "Ingelogd" / "Signed in", never "auth.signed_in"."""
    actions = recorded_actions()
    assert {"auth.signed_in", "webcare.sla_warning", "phase.overridden", "plugin.declined"} <= set(actions)
    for lang in ("nl", "en"):
        table = catalogue(lang)
        missing = sorted(f"  {where}: {key}" for key, where in actions.items() if not table.get(key, "").strip())
        assert not missing, f"audit actions without a {lang} name (audit_actions.po):\n" + "\n".join(missing)



# --- rendered pages read as Dutch written for people -------------------------------------------------------
WRONG_TEXT = {
    "scientific notation": re.compile(r"(?<![\w-])\d+(?:[.,]\d+)?e[+-]\d+(?![\w-])"),
    "an English decimal point": re.compile(r"(?<![\w.,:/-])\d+\.\d{1,2}(?![\w.])"),
    "a plural in brackets": PARENTHESISED_PLURAL,
    "a raw key": re.compile(r"(?<![\w@.])(?:monitoring|webcare|auth|plugin|phase|regie|starting_points|training|"
                            r"member|token|measurement|report|policy|privacy)\.[a-z_]+\b"
                            r"|\b(?:starting_points|pilot_measured|plugin_departments|first_response)\b"),
    "a doubled @": re.compile(r"@@"),
    "a UTC time": re.compile(r"\bUTC\b|\d{4}-\d\d-\d\d[ T]\d\d:\d\d"),
    "a formal 'u'": re.compile(r"\b(?:[Uu]w|[Uu]zelf)\b"),
}
"""What a page's visible text must not hold (also checked in a browser on the demo: tests/e2e/test_layout.py)."""


def visible_text(page: str) -> str:
    """A page's text as a reader sees it: no tags, attributes, scripts, or deliberate `<code>`."""
    import html

    body = page.split("<main", 1)[-1]
    body = re.sub(r"<(script|code|style)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def wrong_text(text: str) -> list[str]:
    found = []
    for what, pattern in WRONG_TEXT.items():
        for match in pattern.finditer(text):
            found.append(f"{what}: …{text[max(0, match.start() - 50):match.end() + 30]!r}…")
    return found


async def test_main_pages_show_numbers_dates_and_words_for_people(client, world, sessionmaker) -> None:
    """A tenant with data (large and fractional measurements, a gate override, an SLA warning and an alert in
    the audit log): its main pages show no "1.05192e+06", "43.8", "KPI('s)", raw keys, "@@" or UTC times."""
    from datetime import UTC, datetime, timedelta

    from core.audit.service import record
    from core.i18n import Msg
    from core.measurement.models import KpiSnapshot
    from core.roadmap.models import PhaseTransition
    from core.tenancy.scope import tenant_scope
    from tests.core.test_dashboard import seed
    from tests.core.test_gates import add, set_phase
    from tests.support import login_as

    today = await seed(sessionmaker, world.a)
    now = datetime.now(UTC)
    await add(sessionmaker, world.a,
              KpiSnapshot(kpi="leads", day=today - timedelta(days=3), value=1051920.0, methodology_number=2,
                          source="manual", measured_at=now),
              KpiSnapshot(kpi="leads", day=today - timedelta(days=4), value=43.8, methodology_number=2,
                          source="manual", measured_at=now),
              PhaseTransition(from_phase="listening", to_phase="pilot", overridden=True, reason="Door, want de "
                              "raad wil resultaten zien.", failing_items=["starting_points", "baseline"]))
    await set_phase(sessionmaker, world.a, "pilot")
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            await record(session, "system", "webcare.sla_warning", summary="#32 first response", touch=False)
            await record(session, "system", "monitoring.alert_raised", touch=False, summary=Msg(
                "{observed} mentions in {minutes} min, normally {baseline}", observed=57.0, minutes=60,
                baseline=0.8))
    await login_as(client, world.a, "admin")
    texts = {}
    for path in ("/t/acme/", "/t/acme/dashboard/", "/t/acme/measurements/", "/t/acme/measurements/?kpi=leads",
                 "/t/acme/roadmap/", "/t/acme/audit/", "/t/acme/evidence/"):
        page = await client.get(path)
        assert page.status_code == 200, path
        texts[path] = visible_text(page.text)
        assert not wrong_text(texts[path]), f"{path}:\n" + "\n".join(wrong_text(texts[path]))
    leads = texts["/t/acme/measurements/?kpi=leads"]
    assert "1.051.920" in leads and "43,8" in leads
    assert "Meetmethodiek versie 2 met 2 KPI's" in texts["/t/acme/roadmap/"]
    assert "Vertrekpunten goedgekeurd en onderschreven; Er is een nulmeting" in texts["/t/acme/roadmap/"]
    assert "SLA-termijn bijna verstreken" in texts["/t/acme/audit/"]
    assert "57 vermeldingen in 60 min, normaal 0,8" in texts["/t/acme/audit/"]
    assert "Vermeldingen" in texts["/t/acme/dashboard/"]


def test_the_text_checks_catch_what_they_should() -> None:
    """The checks above are not vacuous: each catches the defect it names."""
    for sample in ("1.05192e+06", "normaal 0.8", "35 dag(en)", "6 KPI('s)", "monitoring.negative_share",
                   "webcare.sla_warning #32 first_response", "starting_points, baseline", "@@lisa_b",
                   "07:25 (UTC)", "Uw organisatie"):
        assert wrong_text(sample), sample
    for fine in ("1.051.920", "0,8", "43,8%", "l.visser@vitaal.example", "nieuws.example", "7 dec 2026, 07:25",
                 "c5088b19-e799-449e-9777-8a8e0c62d26c", "versie 1.2.3"):
        assert not wrong_text(fine), fine


def test_stored_keys_and_messages_are_shown_as_words() -> None:
    """An audit action, an override's failing items and a summary recorded as a message, in the page's language;
    a summary that is not a message we wrote falls back to its stored text."""
    from types import SimpleNamespace

    from core.i18n import Msg

    assert _render("{{ a | action }}", a="webcare.sla_warning") == "SLA-termijn bijna verstreken"
    assert _render("{{ a | action }}", "en", a="auth.signed_in") == "Signed in"
    assert _render("{{ k | gate_items }}", k=["starting_points", "baseline"]) == \
        "Vertrekpunten goedgekeurd en onderschreven; Er is een nulmeting"
    message = Msg("{observed} mentions in {minutes} min, normally {baseline}", observed=57.0, minutes=60,
                  baseline=0.8)
    entry = SimpleNamespace(summary=str(message), data={"summary_message": message.to_data()})
    assert entry.summary == "57 mentions in 60 min, normally 0.8"
    assert _render("{{ e | summary }}", e=entry) == "57 vermeldingen in 60 min, normaal 0,8"
    odd = SimpleNamespace(summary="as stored", data={"summary_message": {"msgid": "{x.real.y}", "params": {"x": 1}}})
    assert _render("{{ e | summary }}", e=odd) == "as stored"
