"""Regie plugin: talking."""
