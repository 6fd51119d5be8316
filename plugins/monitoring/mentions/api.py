"""JSON API of the mentions slice (placeholder until the slice lands)."""

ROUTES: list = []
