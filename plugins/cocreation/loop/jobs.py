"""The loop's job: tell everyone connected to an idea about its stage change (see `tell`)."""

from __future__ import annotations

from core.plugins.api import JobSpec
from plugins.cocreation.loop.tell import JOB, run

JOBS = [JobSpec(JOB, run, transaction=False)]
