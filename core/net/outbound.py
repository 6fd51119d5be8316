"""Outbound URLs a tenant can set (feeds, webhooks, identity providers): refuse private destinations.

A tenant must not make the server fetch from its own network (SSRF). A URL is checked when it is saved
and again, with a fresh DNS answer, right before every request, so a name that later resolves to a
private address (DNS rebinding) is still refused. The operator can allow hosts or networks in settings.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from core.errors import DomainError
from core.settings import Settings

SCHEMES = ("http", "https")


def _allowed_by_operator(host: str, addresses: list[ipaddress.IPv4Address | ipaddress.IPv6Address],
                         allow: tuple[str, ...]) -> bool:
    for entry in allow:
        if entry.lower() == host.lower():
            return True
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            continue
        if addresses and all(a in network for a in addresses):
            return True
    return False


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not (address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
                or address.is_reserved or address.is_unspecified)


def resolve(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []
    return sorted({ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}, key=str)


def check_outbound_url(url: str, settings: Settings, field: str = "url", resolve_host: bool = True) -> str:
    """Return the URL when the server may fetch it; raise DomainError(field) with the reason otherwise."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise DomainError(field=field, msgid="Enter a full http:// or https:// address.")
    if parts.username or parts.password:
        raise DomainError(field=field, msgid="An address with a user name or password in it is not allowed.")
    host = parts.hostname
    addresses = resolve(host) if resolve_host else []
    if resolve_host and not addresses:
        raise DomainError(field=field, msgid="The host {host} could not be found.", host=host)
    if _allowed_by_operator(host, addresses, settings.outbound_allow):
        return url
    if host.lower() in ("localhost", "localhost.localdomain") or any(not _is_public(a) for a in addresses):
        raise DomainError(field=field, msgid="This address points into a private network, which is not allowed.")
    return url
