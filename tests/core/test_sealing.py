"""Sealed secrets round-trip, and refuse another key, another purpose or a tampered value."""

import pytest

from core.auth.sealing import SealError, seal, unseal


def test_seal_round_trip_and_refusals() -> None:
    sealed = seal("k" * 40, "oidc-client-secret", "s3cret")
    assert "s3cret" not in sealed
    assert unseal("k" * 40, "oidc-client-secret", sealed) == "s3cret"
    for key, purpose, token in [("x" * 40, "oidc-client-secret", sealed), ("k" * 40, "totp", sealed),
                                ("k" * 40, "oidc-client-secret", sealed[:-4] + "AAAA")]:
        with pytest.raises(SealError):
            unseal(key, purpose, token)
