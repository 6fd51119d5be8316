"""Background jobs of the profiles slice: re-tagging past mentions after a profile changed."""

from __future__ import annotations

from core.plugins.api import JobSpec
from plugins.monitoring.profiles.retag import run

JOBS: list[JobSpec] = [JobSpec(name="monitoring.retag_profile", run=run, transaction=False,
                               time_limit_ms=2 * 60 * 60 * 1000)]
