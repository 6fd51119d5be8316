"""What public forms count their rate limits by: an IPv4 address, or the /64 network of an IPv6 address (one
home or server holds a whole /64 and could rotate past a per-address limit)."""

from __future__ import annotations

from typing import Any

import pytest

from core.auth.security import client_network


class _Connection:
    def __init__(self, host: str | None) -> None:
        self.scope: dict[str, Any] = {"client": (host, 443) if host is not None else None}


@pytest.mark.parametrize(("host", "counted"), [
    ("203.0.113.7", "203.0.113.7"),
    ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
    ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
    ("::ffff:203.0.113.7", "203.0.113.7"),
    ("testclient", "testclient"),
    (None, ""),
])
def test_a_client_is_counted_by_its_address_or_its_ipv6_network(host: str | None, counted: str) -> None:
    assert client_network(_Connection(host)) == counted  # type: ignore[arg-type]


def test_two_addresses_of_one_ipv6_network_count_as_one() -> None:
    one, two = _Connection("2001:db8:0:7::1"), _Connection("2001:db8:0:7:ffff::9")
    assert client_network(one) == client_network(two)  # type: ignore[arg-type]
    assert client_network(one) != client_network(_Connection("2001:db8:0:8::1"))  # type: ignore[arg-type]
