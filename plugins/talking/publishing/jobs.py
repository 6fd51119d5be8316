"""Publishing's jobs: one post at its moment (with its retries), the sweeper that plans what comes due, and the
periodic reads of interactions (hourly) and followers (daily)."""

from __future__ import annotations

from core.plugins.api import JobSpec
from plugins.talking.publishing.figures import read_followers, refresh_interactions
from plugins.talking.publishing.service import PUBLISH_JOB, SWEEP_SECONDS, publish_post, sweep

JOBS = [
    # its own transactions: the key commits before sending, the outcome after; a failure plans its own retry
    JobSpec(name=PUBLISH_JOB, run=publish_post, transaction=False, max_retries=3, time_limit_ms=5 * 60 * 1000),
    JobSpec(name="talking.publish_sweep", run=sweep, every_seconds=SWEEP_SECONDS, max_retries=0,
            time_limit_ms=60 * 1000),
    JobSpec(name="talking.interactions", run=refresh_interactions, every_seconds=3600, transaction=False,
            max_retries=0, time_limit_ms=30 * 60 * 1000),
    JobSpec(name="talking.followers", run=read_followers, every_seconds=24 * 3600, transaction=False,
            max_retries=0, time_limit_ms=30 * 60 * 1000),
]
