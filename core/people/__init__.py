"""People of a tenant: members, invitations and API tokens."""
