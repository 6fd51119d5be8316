"""Monitoring: alerts."""
