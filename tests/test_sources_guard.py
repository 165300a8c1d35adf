"""The SSRF guard on its own. Addresses are only resolved and classified: no traffic is sent."""

from __future__ import annotations

import asyncio

import pytest

from newsdesk.sources.errors import BlockedURL, FetchError
from newsdesk.sources.guard import check_url, check_url_async

BLOCKED = [
    ("http://10.0.0.1/", "a private"),
    ("http://172.16.5.4/", "a private"),
    ("http://192.168.1.1:8080/admin", "a private"),
    ("http://169.254.169.254/latest/meta-data/", "a link-local"),
    ("http://127.0.0.1/", "a loopback"),
    ("http://127.8.9.10/", "a loopback"),
    ("http://localhost/", "a loopback"),
    ("http://0.0.0.0/", "an unspecified"),
    ("http://[::]/", "an unspecified"),
    ("http://[::1]/", "a loopback"),
    ("http://[fe80::1]/", "a link-local"),
    ("http://[fc00::1]/", "a private"),
    ("http://[::ffff:127.0.0.1]/", "a loopback"),
    ("http://[::ffff:10.0.0.1]/", "a private"),
    ("http://[::ffff:169.254.169.254]/", "a link-local"),
    ("http://[2002:a00:1::]/", "a private"),  # 6to4 wrapping 10.0.0.1
    ("http://[64:ff9b::a00:1]/", "a private"),  # NAT64 wrapping 10.0.0.1
    ("http://224.0.0.1/", "a multicast"),
    ("http://[ff02::1]/", "a multicast"),
    ("http://240.0.0.1/", "a reserved"),
    ("http://100.64.0.1/", "a non-public"),  # carrier-grade NAT
    ("http://0x7f000001/", "a loopback"),  # 127.0.0.1 spelled in hex
]


@pytest.mark.parametrize(("url", "reason"), BLOCKED)
def test_non_public_addresses_are_refused(url: str, reason: str) -> None:
    with pytest.raises(BlockedURL) as info:
        check_url(url, ())
    message = str(info.value)
    assert message.startswith("refused: ")
    assert f"{reason} address" in message
    assert "NEWSDESK_ALLOWED_NETWORKS" in message
    assert info.value.kind == "blocked" and info.value.url == url
    with pytest.raises(BlockedURL):
        asyncio.run(check_url_async(url, ()))


def test_message_names_host_and_address() -> None:
    with pytest.raises(BlockedURL) as info:
        check_url("http://localhost:8000/x", ())
    assert str(info.value) == (
        "refused: localhost resolves to 127.0.0.1, a loopback address; "
        "allow it with NEWSDESK_ALLOWED_NETWORKS"
    )
    with pytest.raises(BlockedURL) as info:
        check_url("http://10.0.0.1/x", ())
    assert str(info.value).startswith("refused: 10.0.0.1 is a private address;")


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://10.0.0.1/", ("10.0.0.0/8",)),
        ("http://192.168.1.20/", ("192.168.1.0/24",)),
        ("http://127.0.0.1:8080/", ("127.0.0.0/8",)),
        ("http://localhost/", ("127.0.0.1/32",)),
        ("http://[::1]/", ("::1/128",)),
        ("http://[::ffff:127.0.0.1]/", ("127.0.0.0/8",)),  # mapped form of an allowed address
        ("http://93.184.215.14/", ()),  # public addresses need no allowance
        ("https://[2606:4700::1111]/", ()),
    ],
)
def test_allowed_networks_and_public_addresses_pass(url: str, allowed: tuple[str, ...]) -> None:
    check_url(url, allowed)
    asyncio.run(check_url_async(url, allowed))


def test_allowance_is_exact() -> None:
    with pytest.raises(BlockedURL):
        check_url("http://10.0.0.1/", ("192.168.0.0/16",))
    with pytest.raises(BlockedURL, match="127.0.0.2"):
        check_url("http://127.0.0.2/", ("127.0.0.1/32",))


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.com/", "gopher://127.0.0.1:70/", "javascript:alert(1)",
     "//example.com/x", "http://", "http:///path", "http://[::1/", "data:text/plain,hi"],
)  # fmt: skip
def test_bad_schemes_and_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(BlockedURL, match="^refused"):
        check_url(url, ("0.0.0.0/0", "::/0"))


def test_unresolvable_host_is_a_network_error_not_a_block() -> None:
    with pytest.raises(FetchError) as info:
        check_url("http://no-such-host.invalid/", ())
    assert info.value.kind == "network" and not isinstance(info.value, BlockedURL)
