"""Privacy (AVG/GDPR): retention, erasure, tenant export and re-import."""
