"""The shared starting points: versions, approval, acknowledgement, comparison."""
