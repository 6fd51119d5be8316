"""Regie plugin: cocreation."""
