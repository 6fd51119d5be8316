"""crisis slice of the webcare plugin."""
