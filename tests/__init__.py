"""Regie's test suite. Passwords are hashed with argon2's CHEAPEST profile here, before any test module
hashes one at import: the suite hashes thousands, and no attacker is timing it (production keeps the default)."""

from argon2 import profiles

from core.auth.passwords import use_parameters

use_parameters(profiles.CHEAPEST)
