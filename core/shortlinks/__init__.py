"""The tenant's own short links: `/l/<code>` redirects to a stored http(s) address and counts the clicks per day."""
