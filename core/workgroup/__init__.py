"""workgroup."""
