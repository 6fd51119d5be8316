"""The core's measurement jobs (see `core.jobs.plugin_jobs.core_job_specs`)."""

from __future__ import annotations

from core.plugins.info import JobSpec

JOBS: list[JobSpec] = []
