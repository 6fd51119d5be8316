"""Background jobs of the buzz slice (placeholder until the slice lands)."""

JOBS: list = []
