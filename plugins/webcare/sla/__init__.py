"""sla slice of the webcare plugin."""
