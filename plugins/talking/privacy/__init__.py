"""Talking's personal data: whom a public response answered."""
