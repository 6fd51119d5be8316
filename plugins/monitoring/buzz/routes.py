"""Pages of the buzz slice (placeholder until the slice lands)."""

ROUTES: list = []
