"""Privacy (AVG/GDPR) for webcare: retention of cases and erasure of customers and authors (see `hooks`)."""
