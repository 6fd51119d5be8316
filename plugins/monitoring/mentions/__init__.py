"""Monitoring: mentions."""
