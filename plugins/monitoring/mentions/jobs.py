"""Background jobs of the mentions slice: fresh planner statistics after a burst of ingestion."""

from plugins.monitoring.maintenance import JOBS

__all__ = ["JOBS"]
