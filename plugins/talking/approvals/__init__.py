"""Approvals: the chain the org model and the tenant's tiers ask for, decisions, expiry and the crisis pause."""
