"""`make serve` installs what serving needs and points every printed and mailed link to the port it serves on;
the test tools come with `make test` (read from `make -n`, nothing is run)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def planned(target: str, tmp_path: Path, *variables: str) -> str:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    result = subprocess.run(["make", "-n", "-C", str(ROOT), target, f"VENV={tmp_path / 'venv'}", *variables],
                            capture_output=True, text=True, check=True)
    return result.stdout


def test_make_serve_installs_no_test_tools_and_serves_its_port(tmp_path: Path) -> None:
    serve = planned("serve", tmp_path, "PORT=8101")
    assert "pip install -q -e ." in serve and ".[test]" not in serve
    assert "regie demo --host 127.0.0.1 --port 8101" in serve  # the printed table's links
    assert "regie serve --host 127.0.0.1 --port 8101" in serve  # which sets BASE_URL for the mails
    assert "--port 8101 --access-log" in serve  # a development server shows its requests
    assert "8000" not in serve


def test_make_test_installs_the_test_tools(tmp_path: Path) -> None:
    assert 'pip install -q -e ".[test]"' in planned("test", tmp_path)
