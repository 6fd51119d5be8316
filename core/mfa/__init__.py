"""Second factor: TOTP and recovery codes."""
