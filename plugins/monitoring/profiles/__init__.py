"""Monitoring: profiles."""
