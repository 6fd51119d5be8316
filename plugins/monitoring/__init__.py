"""Regie plugin: monitoring."""
