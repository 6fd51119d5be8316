"""The tenant's customers: one identity, signed in by e-mail link, shared by every plugin's public pages."""
