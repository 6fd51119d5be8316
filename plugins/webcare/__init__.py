"""Regie plugin: webcare."""
