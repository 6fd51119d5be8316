"""JSON API of the profiles slice (placeholder until the slice lands)."""

ROUTES: list = []
