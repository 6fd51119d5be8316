"""Scheduled publishing through the channel connectors, the publish log, interactions and followers."""
