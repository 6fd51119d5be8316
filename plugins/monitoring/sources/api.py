"""JSON API of the sources slice (placeholder until the slice lands)."""

ROUTES: list = []
