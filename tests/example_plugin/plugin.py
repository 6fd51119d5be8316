"""The example plugin: every hook of the plugin contract, written from docs/hooks.md alone.

It keeps its notes in memory (per tenant) rather than in tables of its own, so it needs no migrations; a real
plugin stores them in `TenantScoped` models. `CALLS` records which hooks the core called, for the tests.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    CONTRACT_VERSION,
    AccountCandidate,
    Banner,
    DemoKpi,
    Department,
    DigestLine,
    DomainError,
    DomainEvent,
    ErasureSubject,
    EventSpec,
    Form,
    HookContext,
    Item,
    ItemAction,
    JobContext,
    JobSpec,
    KpiDefinition,
    NavEntry,
    PayloadField,
    PluginInfo,
    PolicySection,
    Widget,
    clean_text,
    fire_events,
    form_errors,
    gettext_for,
    hookimpl,
    lang_of,
    normal_handle,
    organisation_names,
    page,
    principal_of,
    record_audit,
    tenant_of,
    utcnow,
)

HERE = Path(__file__).resolve().parent
NAME = "example"

INFO = PluginInfo(
    name=NAME,
    groundswell_function="talking",
    default_owner="marketing",
    title={"nl": "Voorbeeld", "en": "Example"},
    description={"nl": "Een plugin die elke hook laat zien.", "en": "A plugin that shows every hook."},
    translations=HERE / "translations",
    events=(EventSpec("example.noted", "someone noted something in the example plugin",
                      (PayloadField("note", "str", "what was noted"),
                       PayloadField("author", "str", "the handle of whom it is about (may be empty)"))),),
    version="1.0",
    contract_version=CONTRACT_VERSION,
)


class Note:
    def __init__(self, text: str, author: str = "") -> None:
        self.text, self.author, self.noted_at = text, author, utcnow()


NOTES: dict[UUID, dict[str, Note]] = defaultdict(dict)
"""tenant id → note id → note."""
CALLS: list[tuple[str, Any]] = []
"""(hook, what it got) for every hook the core called."""


def notes_of(tenant_id: UUID) -> dict[str, Note]:
    return NOTES[tenant_id]


def add(tenant_id: UUID, text: str, author: str = "") -> str:
    notes = notes_of(tenant_id)
    key = str(len(notes) + 1)
    notes[key] = Note(text, author)
    return key


# -- routes ---------------------------------------------------------------------------------------------------------

@get("/", opt={"action": "plugin.read"})
async def index(request: Request[Any, Any, Any]) -> Template:
    return page(request, "example/index.html", notes=notes_of(tenant_of(request).id))


@post("/notes", opt={"action": "plugin.work", "rule": "only people who may work in the example plugin"})
async def add_note(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    tenant = tenant_of(request)
    try:
        text = clean_text(data.get("note"), "note", max_length=500)
    except DomainError as exc:
        return page(request, "example/index.html", status_code=exc.status_code, notes=notes_of(tenant.id),
                    errors=form_errors(exc.errors, lang_of(request)), form=dict(data))
    author = str(data.get("author", ""))[:100]
    add(tenant.id, text, author)
    await record_audit(db, principal_of(request), "example.noted", summary=text)
    await fire_events(db, tenant, request.app.state.pm,
                      [DomainEvent("example.noted", {"note": text, "author": author})], lang_of(request),
                      exclude=NAME)
    return Redirect(f"/t/{slug}/p/{NAME}/", status_code=303)


@get("/notes", opt={"action": "plugin.read"}, tags=["example"], summary="The example plugin's notes")
async def api_notes(request: Request[Any, Any, Any]) -> list[str]:
    return [note.text for note in notes_of(tenant_of(request).id).values()]


# -- describing the plugin ------------------------------------------------------------------------------------------

@hookimpl
def regie_plugin() -> PluginInfo:
    return INFO


@hookimpl
def regie_routes() -> list[Any]:
    return [index, add_note]


@hookimpl
def regie_api_routes() -> list[Any]:
    return [api_notes]


@hookimpl
def regie_templates() -> tuple[str, Path]:
    return (NAME, HERE / "templates")


async def tidy(ctx: JobContext) -> None:
    """Idempotent: forgets empty notes (there are none to forget twice)."""
    CALLS.append(("job", ctx.tenant_slug))
    notes = notes_of(ctx.tenant_id)
    for key in [k for k, note in notes.items() if not note.text]:
        notes.pop(key)


@hookimpl
def regie_jobs() -> list[JobSpec]:
    return [JobSpec(f"{NAME}.tidy", tidy, every_seconds=24 * 3600)]


# -- per-tenant contributions ---------------------------------------------------------------------------------------

@hookimpl
def regie_nav(ctx: HookContext) -> list[NavEntry]:
    _ = gettext_for(ctx.lang)
    return [NavEntry(_("Example notes"), f"/t/{ctx.tenant_slug}/p/{NAME}/")]


@hookimpl
async def regie_banners(ctx: HookContext) -> list[Banner]:
    if not notes_of(ctx.tenant_id):
        return []
    return [Banner(gettext_for(ctx.lang)("Example notes are open"), "info", f"/t/{ctx.tenant_slug}/p/{NAME}/")]


@hookimpl
def regie_widgets(ctx: HookContext) -> list[Widget]:
    return [Widget(gettext_for(ctx.lang)("Example notes"), f"{NAME}/widget.html",
                   {"count": len(notes_of(ctx.tenant_id))})]


@hookimpl
def regie_item_actions(ctx: HookContext, kind: str, item: Item) -> list[ItemAction]:
    CALLS.append(("item_actions", kind))
    if kind != "mention":
        return []
    return [ItemAction(gettext_for(ctx.lang)("Note it in the example plugin"),
                       f"/t/{ctx.tenant_slug}/p/{NAME}/notes",
                       {"note": str(item.get("title") or item.get("text") or ""),
                        "author": str(item.get("author_handle") or "")})]


@hookimpl
def regie_find_item(ctx: HookContext, kind: str, item_id: str | UUID) -> Item | None:
    note = notes_of(ctx.tenant_id).get(str(item_id)) if kind == "example-note" else None
    return None if note is None else {"note_id": str(item_id), "text": note.text, "author": note.author}


HAPPY = {"blij", "fijn", "happy"}
UNHAPPY = {"boos", "jammer", "sad"}


@hookimpl
def regie_classify_sentiment(ctx: HookContext, texts: Sequence[str], lang: str) -> list[tuple[str, float]]:
    CALLS.append(("classify_sentiment", len(texts)))

    def one(text: str) -> tuple[str, float]:
        words = set(text.lower().split())
        return ("positive", 0.5) if words & HAPPY else ("negative", -0.5) if words & UNHAPPY else ("neutral", 0.0)

    return [one(text) for text in texts]


@hookimpl
def regie_digest(ctx: HookContext, week_start: date, week_end: date) -> list[DigestLine]:
    CALLS.append(("digest", (week_start, week_end)))
    _ = gettext_for(ctx.lang)
    return [DigestLine(_("{n} example notes", n=len(notes_of(ctx.tenant_id))), f"p/{NAME}/", "info")]


@hookimpl
def regie_kpis() -> list[KpiDefinition]:
    return [KpiDefinition(f"{NAME}.notes", {"nl": "Notities", "en": "Notes"}, "count",
                          {"nl": "Notities in de voorbeeldplugin.", "en": "Notes in the example plugin."})]


@hookimpl
def regie_measure(ctx: HookContext, kpi: str, period: tuple[date, date]) -> float | None:
    if kpi != f"{NAME}.notes":
        return None
    first, last = period
    CALLS.append(("measure", period))
    return float(sum(1 for note in notes_of(ctx.tenant_id).values() if first <= note.noted_at.date() <= last))


@hookimpl
def regie_activation_check(ctx: HookContext, department: Department | None) -> list[str]:
    if department is not None and department.business_function == "customer_service":
        return [gettext_for(ctx.lang)("The example plugin is not for the service desk.")]
    return []


@hookimpl
def regie_policy_sections(ctx: HookContext) -> list[PolicySection]:
    _ = gettext_for(ctx.lang)
    return [PolicySection("example_notes", _("Example notes"), _("Who notes what, and when."))]


@hookimpl
async def regie_account_candidates(ctx: HookContext) -> list[AccountCandidate]:
    names = [name.casefold().replace(" ", "") for name in await organisation_names(ctx.session)]
    seen: dict[str, list[Note]] = defaultdict(list)
    for note in notes_of(ctx.tenant_id).values():
        handle = normal_handle(note.author)
        if handle and any(name in handle for name in names):
            seen[handle].append(note)
    return [AccountCandidate("other", handle, seen_count=len(notes), last_seen=max(n.noted_at for n in notes))
            for handle, notes in seen.items()]


# -- reacting to the domain -----------------------------------------------------------------------------------------

@hookimpl
async def regie_events(ctx: HookContext, events: list[DomainEvent]) -> None:
    CALLS.append(("events", [(e.name, dict(e.payload)) for e in events]))
    for event in events:
        if event.name == "phase.changed":
            await record_audit(ctx.session, "system", "example.saw_phase",
                               summary=f"{event.payload['old']} → {event.payload['new']}")


@hookimpl
async def regie_demo(ctx: HookContext) -> list[DemoKpi]:
    notes = notes_of(ctx.tenant_id)
    if not notes:
        add(ctx.tenant_id, "Eerste notitie")
    return [DemoKpi(f"{NAME}.notes", "Notities", "Notities per dag.", 5, "Eén per werkdag.")]


# -- privacy --------------------------------------------------------------------------------------------------------

@hookimpl
async def regie_retention(ctx: HookContext, cutoff: datetime, mode: str) -> dict[str, int]:
    CALLS.append(("retention", (cutoff, mode)))
    notes = notes_of(ctx.tenant_id)
    old = [key for key, note in notes.items() if note.noted_at < cutoff]
    for key in old:
        if mode == "delete":
            notes.pop(key)
        else:
            notes[key].author = ""
    return {"notes": len(old)}


@hookimpl
async def regie_erase_subject(ctx: HookContext, subject: ErasureSubject) -> dict[str, int]:
    CALLS.append(("erase_subject", subject))
    notes = notes_of(ctx.tenant_id)
    gone = [key for key, note in notes.items()
            if subject.kind == "author" and note.author and normal_handle(note.author) == normal_handle(subject.handle)]
    for key in gone:
        notes.pop(key)
    return {"notes": len(gone)}
