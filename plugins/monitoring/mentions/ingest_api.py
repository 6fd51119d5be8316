"""The ingestion endpoint (placeholder until the ingestion slice lands)."""

ROUTES: list = []
