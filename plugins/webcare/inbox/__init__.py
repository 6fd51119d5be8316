"""inbox slice of the webcare plugin."""
