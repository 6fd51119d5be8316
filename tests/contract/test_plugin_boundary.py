"""Plugins stay behind the contract: they import only `core.plugins.api`, install no SQLAlchemy listeners of
their own, and the core names no plugin in its behaviour."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_API = "core.plugins.api"
PLUGIN_CODE = [ROOT / "plugins", ROOT / "tests" / "example_plugin"]
PLUGIN_NAMES = re.compile(r"monitoring|webcare|talking|energizing|cocreation", re.IGNORECASE)
DATA_FILES = {
    "core/demo/seed.py": "the demo scenario: which plugins the demo organisations requested and activated",
    "core/trainings/service.py": "the training catalogue: topics and trainings are platform data",
    "core/roadmap/gates.py": "the baseline gate item tells people where a baseline comes from (a message)",
    "core/customers/signin.py": "the session key customers had before their identity moved to the core, still read",
}
"""Core files that may mention a built-in plugin in a string, because the mention is data, not behaviour."""


def _python_files(*folders: Path) -> list[Path]:
    return sorted(p for folder in folders for p in folder.rglob("*.py") if "migrations" not in p.parts)


def core_imports(source: str) -> list[str]:
    """Every way `source` reaches into the core other than through the public plugin API."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names
                      if (a.name == "core" or a.name.startswith("core.")) and a.name != PUBLIC_API]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "core":  # `from core import x`: only `from core.plugins import api` is the API
                found += [f"core.{a.name}" for a in node.names]
            elif node.module == "core.plugins":
                found += [f"core.plugins.{a.name}" for a in node.names if a.name != "api"]
            elif node.module.startswith("core.") and node.module != PUBLIC_API:
                found.append(node.module)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            target = node.args[0].value
            if name in ("import_module", "__import__") and isinstance(target, str) \
                    and (target == "core" or target.startswith("core.")) and target != PUBLIC_API:
                found.append(target)
    return found


def _uses_sqlalchemy_events(node: ast.AST) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.module == "sqlalchemy.event" or (
            node.module in ("sqlalchemy", "sqlalchemy.orm") and any(a.name == "event" for a in node.names))
    if isinstance(node, ast.Import):
        return any(a.name == "sqlalchemy.event" for a in node.names)
    return isinstance(node, ast.Attribute) and node.attr in ("listens_for", "listen") \
        and isinstance(node.value, ast.Attribute) and node.value.attr == "event"  # sqlalchemy.event.listen(...)


def session_listeners(source: str) -> list[int]:
    """Lines where `source` reaches SQLAlchemy's event system (to install listeners)."""
    return [node.lineno for node in ast.walk(ast.parse(source)) if _uses_sqlalchemy_events(node)]


def test_the_boundary_check_catches_every_form_of_import():
    forbidden = ["import core", "import core.db.base", "import core.db.base as base", "from core import db",
                 "from core import plugins", "from core.plugins import manager", "from core.db.base import Base",
                 "import importlib\nimportlib.import_module('core.db.base')", "__import__('core.errors')"]
    for source in forbidden:
        assert core_imports(source), source
    allowed = ["from core.plugins.api import hookimpl", "import core.plugins.api", "import core.plugins.api as api",
               "from core.plugins import api", "from .models import Case", "import corelib",
               "importlib.import_module('core.plugins.api')"]
    for source in allowed:
        assert core_imports(source) == [], source


def test_plugins_import_only_the_public_plugin_api():
    offenders = [f"{path.relative_to(ROOT)}: {name}" for path in _python_files(*PLUGIN_CODE)
                 for name in core_imports(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_no_plugin_installs_sqlalchemy_listeners():
    """A listener on `Session` is process-wide: it would run for every tenant and plugin. A plugin that needs one
    (a change counter) asks the core for the facility (`count_changes`)."""
    assert session_listeners("from sqlalchemy import event, select") and session_listeners(
        "import sqlalchemy\nsqlalchemy.event.listen(Session, 'before_flush', f)")
    offenders = [f"{path.relative_to(ROOT)}:{line}" for path in _python_files(*PLUGIN_CODE)
                 for line in session_listeners(path.read_text(encoding="utf-8"))]
    assert offenders == []


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            found.add(id(node.value))  # module, class, function and attribute docstrings
    return found


def _text_of(node: ast.AST, docs: set[int]) -> str | None:
    """The words a node puts in the code: a string (not a docstring), or the name it defines or uses."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return None if id(node) in docs else node.value
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node.name
    if isinstance(node, ast.arg | ast.keyword):
        return node.arg
    return None


def test_the_core_names_no_plugin():
    """No string, name or attribute in the core's code names a built-in plugin (docstrings may, as examples);
    what a plugin needs the core to know, it declares (`PluginInfo`, its events, `opt["rule"]` on its routes)."""
    offenders = []
    for path in _python_files(ROOT / "core"):
        rel = path.relative_to(ROOT).as_posix()
        if rel in DATA_FILES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            text = _text_of(node, docs)
            if text and PLUGIN_NAMES.search(text):
                offenders.append(f"{rel}:{getattr(node, 'lineno', '?')}: {text[:60]!r}")
    assert offenders == []
