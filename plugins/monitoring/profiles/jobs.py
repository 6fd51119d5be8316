"""Background jobs of the profiles slice (placeholder until the slice lands)."""

JOBS: list = []
