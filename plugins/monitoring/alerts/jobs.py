"""Background jobs of the alerts slice (placeholder until the slice lands)."""

JOBS: list = []
