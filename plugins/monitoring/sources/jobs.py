"""Background jobs of the sources slice (placeholder until the slice lands)."""

JOBS: list = []
