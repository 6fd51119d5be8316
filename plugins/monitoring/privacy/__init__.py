"""Privacy (AVG/GDPR) for monitoring: retention and erasure of mention authors (see `hooks`)."""
