"""cases slice of the webcare plugin."""
