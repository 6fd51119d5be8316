"""replies slice of the webcare plugin."""
