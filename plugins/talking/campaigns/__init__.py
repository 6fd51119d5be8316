"""Campaigns (time-boxed, with a goal and a budget) and always-on streams: where posts belong."""
