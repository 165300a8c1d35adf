"""Fuzzing canonicalize: any string, and http(s) URLs built from hostile parts.

canonicalize never raises; it is idempotent; on an http(s) URL it keeps the scheme, the host
(less a trailing dot and the m./mobile./amp. mirror prefixes), the port and the non-tracking
query parameters, drops the fragment and every tracking parameter; anything else comes back
stripped but unchanged.
"""

from __future__ import annotations

from urllib.parse import unquote, unquote_plus, urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from newsdesk.sources.urls import TRACKING_PARAMS, TRACKING_PREFIXES, canonicalize

from .fuzz_support import fuzz, show

pytestmark = pytest.mark.fuzz

MIRRORS = ("m", "mobile", "amp")

schemes = st.sampled_from(["http", "https", "HTTP", "HtTpS", "ftp", "javascript", "", "http "])
separators = st.sampled_from(["://", ":/", ":///", ":", "://\t", ":\\\\"])
labels = st.one_of(
    st.sampled_from(["m", "mobile", "amp", "www", "M", "AMP", "example", "com", "co", "uk", ""]),
    st.sampled_from(["xn--bcher-kva", "bücher", "EXAMPLE", "a-b", "1", "%41", "-", "_"]),
    st.text(st.characters(codec="utf-8", exclude_characters="/?#@[]:"), max_size=6),
)
hosts = st.one_of(
    st.lists(labels, min_size=1, max_size=5).map(".".join),
    st.lists(labels, min_size=1, max_size=4).map(lambda ls: ".".join(ls) + "."),
    st.sampled_from(["127.0.0.1", "[::1]", "[FE80::1%25eth0]", "[::ffff:1.2.3.4]", "[v1.x]", "[", "]"]),
    st.sampled_from(["0x7f.1", "2130706433", "localhost", ".", "..", "m.", "m..example"]),
)  # fmt: skip
ports = st.one_of(
    st.just(""),
    st.integers(0, 70000).map(lambda p: f":{p}"),
    st.sampled_from([":", ":080", ":443", ":80", ": 80", ":x", ":-1", ":99999999999999999999"]),
)
userinfos = st.sampled_from(["", "user@", "u:p@", "a@b@", "@", "User:Pa%40ss@", ":@"])
segments = st.one_of(
    st.sampled_from([".", "..", "amp", "AMP", "a", "%2e", "%2E%2e", "x.amp.html", "", ";p=1"]),
    st.sampled_from(["%7e", "%7E", "a b", "%zz", "%", "ü", "%C3%BC", "amp.html", ".amp"]),
    st.text(st.characters(codec="utf-8", exclude_characters="/?#"), max_size=8),
)
tracking = sorted(TRACKING_PARAMS) + [p + "x" for p in TRACKING_PREFIXES]
keys = st.one_of(
    st.sampled_from(tracking),
    st.sampled_from(["UTM_Source", "amp", "outputType", "id", "q", "page", "a", "A", "", "x y"]),
    st.text(st.characters(codec="utf-8", exclude_characters="&=#"), max_size=6),
)
values = st.one_of(
    st.sampled_from(["", "1", "amp", "AMP", "a+b", "a%20b", "%zz", "x=y"]),
    st.text(st.characters(codec="utf-8", exclude_characters="&#"), max_size=6),
)
params = st.tuples(keys, st.sampled_from(["=", ""]), values).map(lambda kv: "".join(kv))
queries = st.one_of(st.just(""), st.lists(params, max_size=5).map(lambda ps: "?" + "&".join(ps)))
fragments = st.one_of(st.just(""), st.text(max_size=8).map(lambda f: "#" + f))


@st.composite
def urls(draw: st.DrawFn) -> str:
    path = "/".join(draw(st.lists(segments, max_size=6)))
    parts = [
        draw(st.sampled_from(["", " ", "\t", "\x00", "\n"])),
        draw(schemes),
        draw(separators),
        draw(userinfos),
        draw(hosts),
        draw(ports),
        draw(st.sampled_from(["/", "", "//", "/./", "\\"])) + path,
        draw(queries),
        draw(fragments),
        draw(st.sampled_from(["", " ", "\n"])),
    ]
    return "".join(parts)


any_urls = st.one_of(
    urls(),
    st.text(max_size=80),
    st.builds(lambda s, t: s + t, st.sampled_from(["http://", "https://", "HTTP://"]), st.text(max_size=60)),
)  # fmt: skip


def _is_tracking(key: str, value: str) -> bool:
    name = unquote_plus(key).strip().lower()
    if name == "amp" or (name == "outputtype" and unquote_plus(value).strip().lower() == "amp"):
        return True
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def _mirror_stripped(host: str) -> set[str]:
    """host without any number of leading m./mobile./amp. labels (a dot left in the rest)."""
    found = {host}
    labels = host.split(".")
    for index, label in enumerate(labels[:-2]):
        if label not in MIRRORS:
            break
        found.add(".".join(labels[index + 1 :]))
    return found


@fuzz(examples=2000)
@given(url=any_urls)
@example(url="https://m.m.example.com/a")
@example(url="https://example.com/a/amp/amp")
@example(url="http://./")
@example(url="http://127.0.0.1/?outputType= &__twitter_impression=")
@example(url="http://%41.EXAMPLE/")
def test_canonicalize_never_raises_is_idempotent_and_keeps_scheme_and_host(url: str) -> None:
    show(url=url)
    once = canonicalize(url)
    assert isinstance(once, str)
    show(once=once)
    assert canonicalize(once) == once, "canonicalize is idempotent"
    try:
        before, after = urlsplit(url.strip()), urlsplit(once)
        port = before.port
    except ValueError:
        assert once == url.strip(), "unparsable input comes back stripped but unchanged"
        return
    if before.scheme.lower() not in ("http", "https") or not (before.hostname or "").strip("."):
        assert once == url.strip(), "non-http(s) or hostless input comes back stripped, unchanged"
        return
    # an http(s) URL: same scheme, host and port; no fragment; no tracking parameter
    assert after.scheme == before.scheme.lower()
    assert after.hostname, f"the host is kept: {once!r}"
    # (hostname leaves what follows a '%' as it is: IPv6 zone IDs are case-sensitive)
    assert after.hostname in _mirror_stripped((before.hostname or "").lower().rstrip(".")), once
    assert after.port == (None if port in (None, 80 if after.scheme == "http" else 443) else port)
    assert after.fragment == "" and "#" not in once
    kept = [p for p in before.query.split("&") if p]
    query = [p for p in after.query.split("&") if p]
    assert all(not _is_tracking(*(p.split("=", 1) + [""])[:2]) for p in query), once
    expected = [p for p in kept if not _is_tracking(*(p.split("=", 1) + [""])[:2])]
    assert sorted(map(unquote, query)) == sorted(map(unquote, expected)), once
    assert after.path.startswith("/")
