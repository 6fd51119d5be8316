"""Accounts seen in monitoring that use the organisation's names: candidates for the account registry."""
