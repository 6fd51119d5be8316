"""(being built)"""

from __future__ import annotations

from core.plugins.info import JobSpec

JOBS: list[JobSpec] = []
