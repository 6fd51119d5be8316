"""escalation slice of the webcare plugin."""
