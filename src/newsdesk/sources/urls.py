"""URL canonicalization for de-duplication."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urlsplit, urlunsplit

__all__ = ["TRACKING_PARAMS", "TRACKING_PREFIXES", "canonicalize"]

# Query parameters that only track where a click came from (compared case-insensitively).
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "mtm_", "pk_", "hsa_", "_hs", "ga_", "vero_")
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
        "twclid", "ttclid", "li_fat_id", "igshid", "igsh", "mc_cid", "mc_eid", "mkt_tok",
        "_ga", "_gl", "_openstat", "ref", "ref_src", "ref_url", "referrer", "cmpid", "ocid",
        "ncid", "smid", "smtyp", "sr_share", "s_cid", "wt.mc_id", "at_medium", "at_campaign",
        "at_custom1", "at_custom2", "at_custom3", "at_custom4", "spm", "guccounter",
        "guce_referrer", "guce_referrer_sig", "__twitter_impression", "icid", "xtor",
    }
)  # fmt: skip
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Host prefixes of mobile/AMP mirrors; stripped only when a registrable-looking host remains.
_MIRROR_PREFIXES = ("m.", "mobile.", "amp.")
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")
# Percent-encoded in the path and query: a canonical URL ends in no whitespace that stripping
# (by canonicalize itself, by urlsplit) would remove, so canonicalizing it again changes nothing.
_SPACE = re.compile(r"\s")


def _escape_spaces(text: str) -> str:
    return _SPACE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode()), text)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4: ``/a/b/../c/./d`` -> ``/a/c/d``."""
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    result = "/".join(output)
    if path.startswith("/") and not result.startswith("/"):
        result = "/" + result
    return result


def _strip_amp_path(path: str) -> str:
    """The path without its AMP suffixes (all of them: ``/a/amp/amp`` -> ``/a/``)."""
    while True:
        stripped = _strip_amp_suffix(path)
        if stripped == path:
            return path
        path = stripped


def _strip_amp_suffix(path: str) -> str:
    if path.endswith("/amp"):
        return path[: -len("amp")].rstrip("/") or "/"
    if path.endswith("/amp/"):
        return path[: -len("amp/")]
    if path.endswith(".amp.html"):
        return path[: -len(".amp.html")] + ".html"
    return path


def _host(host: str) -> str:
    host = host.lower().rstrip(".")
    stripped = True
    while stripped:  # all mirror prefixes: m.amp.example.com -> example.com
        stripped = False
        for prefix in _MIRROR_PREFIXES:
            rest = host[len(prefix) :]
            if host.startswith(prefix) and "." in rest:
                host, stripped = rest, True
    return host


def _is_tracking(param: str) -> bool:
    """Tracking parameters, plus the AMP switches ``amp`` and ``outputType=amp``."""
    name, _, value = param.partition("=")
    key = unquote_plus(name).strip().lower()
    if key == "amp" or (key == "outputtype" and unquote_plus(value).strip().lower() == "amp"):
        return True
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def canonicalize(url: str) -> str:
    """A canonical form of an http(s) URL, so that one article's URL variants compare equal.

    - scheme and host lower-cased, default port and trailing dot of the host dropped;
    - ``m.``, ``mobile.`` and ``amp.`` host prefixes stripped (``www.`` is kept as is);
    - path dot-segments resolved (``/a/../b`` -> ``/b``), empty path -> ``/``, percent-escapes
      upper-cased; AMP variants mapped back (``/amp``, ``/amp/``, ``.amp.html`` -> ``.html``);
    - tracking query parameters (see TRACKING_PARAMS/TRACKING_PREFIXES, ``?amp``,
      ``?outputType=amp``) removed, the rest sorted (raw encoding kept, but whitespace in the
      path and query percent-encoded: ``a b`` -> ``a%20b``), fragment dropped.

    Non-http(s), hostless (``http://./``) or unparsable input is returned stripped but otherwise
    unchanged. Idempotent: a canonical URL is its own canonical form.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    host = _host(parts.hostname)
    if not host:
        return url
    if ":" in host:
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    path = _PERCENT.sub(lambda m: m.group(0).upper(), _escape_spaces(parts.path))
    path = _strip_amp_path(_remove_dot_segments(path or "/")) or "/"
    params = [_escape_spaces(p) for p in parts.query.split("&") if p and not _is_tracking(p)]
    query = "&".join(sorted(params))
    return urlunsplit((scheme, netloc, path, query, ""))
