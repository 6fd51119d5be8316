"""roadmap."""
