"""Regie plugin: talking (content calendar, drafts per channel, campaigns and streams, short links)."""
