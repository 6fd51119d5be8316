"""JSON API of the alerts slice (placeholder until the slice lands)."""

ROUTES: list = []
