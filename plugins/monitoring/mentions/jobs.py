"""Background jobs of the mentions slice (placeholder until the slice lands)."""

JOBS: list = []
