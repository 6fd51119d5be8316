"""Regie plugin: energizing."""
