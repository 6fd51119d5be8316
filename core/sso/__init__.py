"""Per-tenant single sign-on with OpenID Connect."""
