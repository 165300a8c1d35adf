"""SSRF guard: refuse URLs whose host resolves to a private or otherwise non-public address."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from urllib.parse import urlsplit

from newsdesk.sources.errors import BlockedURL, FetchError

__all__ = ["BlockedURL", "check_address", "check_url", "check_url_async", "parse_networks"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
AddrInfo = tuple[object, object, object, object, tuple[object, ...]]

ALLOWED_SCHEMES = ("http", "https")
_HINT = "allow it with NEWSDESK_ALLOWED_NETWORKS"


def parse_networks(allowed_networks: Iterable[str]) -> list[IPNetwork]:
    """Parse CIDR strings ("127.0.0.0/8", "::1/128"); a bad entry raises ValueError."""
    return [ipaddress.ip_network(net.strip(), strict=False) for net in allowed_networks]


def _classify(addr: IPAddress) -> str | None:
    """Why ``addr`` is not a public unicast address, or None when it is."""
    if addr.is_unspecified:
        return "an unspecified"
    if addr.is_loopback:
        return "a loopback"
    if addr.is_link_local:
        return "a link-local"
    if addr.is_multicast:
        return "a multicast"
    if addr.is_reserved:
        return "a reserved"
    if addr.is_private:
        return "a private"
    if not addr.is_global:
        return "a non-public"
    return None


def _embedded_ipv4(addr: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address hidden in an IPv4-mapped, 6to4, Teredo or NAT64 IPv6 address."""
    if not isinstance(addr, ipaddress.IPv6Address):
        return None
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr.teredo is not None:
        return addr.teredo[1]
    if addr in ipaddress.IPv6Network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return None


def _allowed(addr: IPAddress, networks: Sequence[IPNetwork]) -> bool:
    return any(addr.version == net.version and addr in net for net in networks)


def check_address(host: str, address: str, networks: Sequence[IPNetwork], url: str = "") -> None:
    """Refuse one resolved ``address`` of ``host`` unless it is public or explicitly allowed."""
    addr = ipaddress.ip_address(address.split("%", 1)[0])
    inner = _embedded_ipv4(addr)
    if _allowed(addr, networks) or (inner is not None and _allowed(inner, networks)):
        return
    reason = _classify(addr)
    suffix = ""
    if inner is not None and (inner_reason := _classify(inner)) is not None:
        reason, suffix = inner_reason, f" (IPv4 {inner} inside IPv6)"
    if reason is None:
        return
    if host.strip("[]") == str(addr):
        what = f"{addr} is {reason} address{suffix}"
    else:
        what = f"{host} resolves to {addr}, {reason} address{suffix}"
    raise BlockedURL(url or host, f"refused: {what}; {_HINT}")


def _split(url: str) -> tuple[str, int]:
    """(host, port) of an http(s) URL, or BlockedURL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise BlockedURL(url, f"refused: {url!r} is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise BlockedURL(url, f"refused: only http and https URLs are fetched, not {scheme!r}")
    host = parts.hostname
    if not host:
        raise BlockedURL(url, f"refused: {url!r} has no host")
    return host, port or (443 if scheme == "https" else 80)


def _check_infos(host: str, infos: Iterable[AddrInfo], allowed: Sequence[str], url: str) -> None:
    networks = parse_networks(allowed)
    addresses = {str(info[4][0]) for info in infos}
    if not addresses:
        raise FetchError(url, "network", f"cannot resolve {host}: no addresses")
    for address in sorted(addresses):
        check_address(host, address, networks, url)


def _resolve_error(url: str, host: str, exc: OSError) -> FetchError:
    return FetchError(url, "network", f"cannot resolve {host}: {exc}")


def check_url(url: str, allowed_networks: Sequence[str]) -> None:
    """Raise BlockedURL unless ``url`` is http(s) and EVERY address of its host is public.

    Addresses inside ``allowed_networks`` (CIDR strings) are let through. A host that does
    not resolve raises FetchError(kind="network").
    """
    host, port = _split(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise _resolve_error(url, host, OSError(str(exc))) from None
    _check_infos(host, infos, allowed_networks, url)


async def check_url_async(
    url: str,
    allowed_networks: Sequence[str],
    resolve: Callable[[str, int], Awaitable[Sequence[AddrInfo]]] | None = None,
) -> None:
    """Async variant of :func:`check_url` (resolves with ``resolve``, by default
    ``loop.getaddrinfo``)."""
    host, port = _split(url)
    infos: Sequence[AddrInfo]
    try:
        if resolve is None:
            loop = asyncio.get_running_loop()
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        else:
            infos = await resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise _resolve_error(url, host, OSError(str(exc))) from None
    _check_infos(host, infos, allowed_networks, url)
