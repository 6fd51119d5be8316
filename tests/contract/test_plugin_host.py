"""The plugin host: discovery by entry points, documented hooks, dispatch only to a tenant's active plugins."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from core.plugins import hookspecs
from core.plugins.manager import build_plugin_manager, call

ROOT = Path(__file__).resolve().parents[2]
BUILT_INS = {"monitoring", "talking", "energizing", "webcare", "cocreation"}


def test_the_five_built_in_plugins_register_through_entry_points():
    infos = {i.name: i for i in build_plugin_manager().infos}
    assert set(infos) >= BUILT_INS
    assert infos["monitoring"].groundswell_function == "listening"
    assert infos["webcare"].groundswell_function == "supporting"
    assert infos["webcare"].prerequisites == ("monitoring",)
    assert infos["cocreation"].groundswell_function == "embracing"
    for info in infos.values():
        assert info.label("nl") and info.label("en") and info.blurb("nl") and info.blurb("en")


def test_every_hook_is_documented_with_its_exact_arguments():
    doc = (ROOT / "docs" / "hooks.md").read_text()
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction):
        if not name.startswith("regie_"):
            continue
        assert fn.__doc__, f"{name} has no docstring"
        signature = f"{name}({', '.join(inspect.signature(fn).parameters)})"
        assert signature in doc, f"docs/hooks.md does not document {signature}"


def test_core_never_imports_a_plugin():
    offenders = []
    for path in (ROOT / "core").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path}: {n}" for n in names if n == "plugins" or n.startswith("plugins.")]
    assert offenders == []


async def test_hooks_reach_only_the_named_plugins():
    pm = build_plugin_manager()
    from uuid import uuid4

    from core.plugins.info import HookContext

    async def measured(exclude: str = "") -> bool:
        return False

    ctx = HookContext(tenant_id=uuid4(), tenant_slug="x", lang="en", session=None,  # type: ignore[arg-type]
                      has_measured_activation=measured)
    everyone = await call(pm.hook("regie_activation_check", BUILT_INS), ctx=ctx, department=None)
    nobody = await call(pm.hook("regie_activation_check", {"monitoring"}), ctx=ctx, department=None)
    assert any("Co-creation" in reason for reasons in everyone for reason in reasons)
    assert nobody == []
