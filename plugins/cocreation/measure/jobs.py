"""The measuring slice's job: the dashboard cards' figures, stored ahead."""

from __future__ import annotations

from core.plugins.api import JobSpec
from plugins.cocreation.measure.figures import store_figures

JOBS = [JobSpec(name="cocreation.figures", run=store_figures, every_seconds=600, max_retries=1, coalesce=True)]
