"""Monitoring: sources."""
