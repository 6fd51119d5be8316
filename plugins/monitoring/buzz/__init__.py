"""Monitoring: buzz."""
