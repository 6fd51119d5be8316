"""docs/hooks.md is the plugin contract a plugin author reads: it must not drift from the code.

The event catalogue part is generated (`regie docs hooks`); the rest is written by hand and checked here:
an example per hook, every export of `core.plugins.api`, every block, macro and filter a template may use.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import core.plugins.api as api
from core.plugins import hookspecs
from core.plugins.events import DOC_PATH, problems_of_catalogue, with_catalogue
from core.plugins.manager import build_plugin_manager

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "frontend" / "templates"


def _doc() -> str:
    return DOC_PATH.read_text(encoding="utf-8")


def _section(doc: str, heading: str) -> str:
    """The text from `heading` up to the next heading of the same or a higher level."""
    level = heading.split(" ", 1)[0]
    start = doc.index(heading + "\n")
    body = start + len(heading) + 1
    end = re.search(rf"^#{{1,{len(level)}}} ", doc[body:], re.MULTILINE)
    return doc[start:body + end.start()] if end else doc[start:]


def _hooks() -> dict[str, str]:
    return {name: f"{name}({', '.join(inspect.signature(fn).parameters)})"
            for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("regie_")}


def test_the_event_catalogue_on_the_page_is_the_generated_one():
    doc = _doc()
    assert doc == with_catalogue(doc, build_plugin_manager()), \
        "docs/hooks.md's event catalogue is stale: run `regie docs hooks` and commit it"


def test_the_catalogue_itself_is_sound():
    assert problems_of_catalogue(build_plugin_manager()) == []


def test_every_hook_has_a_section_with_an_example():
    doc = _doc()
    for name, signature in _hooks().items():
        heading = f"### `{signature}`"
        assert heading + "\n" in doc, f"docs/hooks.md has no section {heading}"
        section = _section(doc, heading)
        assert "```python" in section and f"def {name}(" in section, f"{heading} has no code example"


def test_every_public_api_export_is_listed_with_a_line():
    section = _section(_doc(), "## The public API (`core.plugins.api`)")
    missing = [name for name in api.__all__ if f"`{name}`" not in section]
    assert missing == [], f"docs/hooks.md does not list these exports of core.plugins.api: {missing}"
    listed = set(re.findall(r"^- (?:`(\w+)`(?:, )?)+", section, re.MULTILINE))
    assert listed, "the exports are listed one line each, `- name: what it is for`"


def test_the_template_api_lists_every_block_macro_and_filter():
    section = _section(_doc(), "## Templates")
    blocks = re.findall(r"{%-?\s*block\s+(\w+)", (TEMPLATES / "layout.html").read_text(encoding="utf-8"))
    macros = re.findall(r"{%-?\s*macro\s+(\w+\([^)]*\))", (TEMPLATES / "macros.html").read_text(encoding="utf-8"))
    installed = (ROOT / "core" / "web" / "filters.py").read_text(encoding="utf-8")
    filters = re.findall(r'env\.(?:filters|globals)\["(\w+)"\]', installed)
    assert blocks and macros and filters
    missing = [f"block {b}" for b in blocks if f"| `{b}` |" not in section]
    missing += [f"macro {m}" for m in macros if f"`{m}`" not in section]
    missing += [f"filter {f}" for f in filters if f"`{f}`" not in section and f"`{f}(" not in section]
    assert missing == [], f"docs/hooks.md's template API misses: {missing}"


def test_regie_docs_hooks_writes_the_catalogue_and_check_finds_a_stale_page(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from core.cli.main import cli
    from core.plugins import events

    stale = tmp_path / "hooks.md"
    stale.write_text(_doc().replace("| `old` | `str` |", "| `old` | `int` |"), encoding="utf-8")
    monkeypatch.setattr(events, "DOC_PATH", stale)
    checked = CliRunner().invoke(cli, ["docs", "hooks", "--check"])
    assert checked.exit_code == 1 and "docs/hooks.md is stale" in checked.output
    written = CliRunner().invoke(cli, ["docs", "hooks"])
    assert written.exit_code == 0, written.output
    assert stale.read_text(encoding="utf-8") == _doc()
