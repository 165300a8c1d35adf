"""An outlet's name, as readers know the site: "CNN", not "CNN.com - RSS Channel".

`outlet_name` picks, in order:

1. the site's own name, og:site_name that most of its article pages agree on (unless they sit on a platform
   such as YouTube, where that names the platform);
2. the part of the feed's title that names the site link's host ("CNN.com" for cnn.com,
   "DR" for dr.dk), in the title's spelling, without its domain ending;
3. the feed's title cleaned of section words and wrappers ("News - Apple Developer" ->
   "Apple Developer", "Read on Seneste nyt | DR ↗" -> "DR");
4. the host, without "www." and the like ("swiftpackageindex.com").

The words are data, in newsdesk.sources.outlet_words. An admin's name overrides all this
(`feeds.outlet_name` with `outlet_source` "admin").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from urllib.parse import urlsplit

from newsdesk.sources import outlet_words as words

MAX_NAME = 256
_SPACES = re.compile(r"\s+")
_COMPACT = re.compile(r"[\W_]+")


def _clean(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip(words.STRIP_CHARS)


def _compact(text: str) -> str:
    return _COMPACT.sub("", text.casefold())


def site_host(url: str | None) -> str:
    """The host of a URL without "www." and the like: "https://www.cnn.com/x" -> "cnn.com"."""
    try:
        host = (urlsplit(url or "").hostname or "").rstrip(".").casefold()
    except ValueError:
        return ""
    labels = host.split(".")
    while len(labels) > 2 and labels[0] in words.HOST_PREFIXES:
        labels = labels[1:]
    return ".".join(labels)


def is_platform(host: str) -> bool:
    """A host that carries many publishers (YouTube, Medium, podcast hosts...)."""
    labels = host.split(".")
    return any(".".join(labels[i:]) in words.PLATFORM_HOSTS for i in range(len(labels)))


def _site_label(host: str) -> str:
    """The site's own label in a host: "cnn.com" -> "cnn", "bbc.co.uk" -> "bbc"."""
    labels = host.split(".")
    while len(labels) > 1 and (
        ".".join(labels[-2:]) in words.TLDS or labels[-1] in words.TLDS or len(labels[-1]) == 2
    ):
        labels = labels[:-2] if ".".join(labels[-2:]) in words.TLDS else labels[:-1]
    return labels[-1] if labels else ""


def _without_tld(name: str) -> str:
    """ "CNN.com" -> "CNN": a domain spelled as a name; "enekoalonso.com" and names that are
    not domains stay."""
    head, dot, tail = name.rpartition(".")
    spelled = head != head.casefold()
    if dot and head and spelled and " " not in name and tail.casefold() in words.TLDS:
        return _without_tld(head) if "." in head else head
    return name


def _parts(title: str) -> list[str]:
    """The parts of a title between separators, wrappers and section words removed."""
    parts = [title]
    for sep in words.SEPARATORS:
        parts = [p for part in parts for p in part.split(sep)]
    cleaned = []
    for part in parts:
        part = _clean(part)
        low = part.casefold()
        for prefix in words.STRIP_PREFIXES:
            if low.startswith(prefix):
                part = _clean(part[len(prefix) :])
                low = part.casefold()
        if part and low not in words.SECTION_WORDS:
            cleaned.append(part)
    return cleaned


def title_name(title: str | None, host: str = "") -> str:
    """A feed title cleaned to the site's name; the part naming `host` when one does."""
    parts = _parts(_clean(title))
    if not parts:
        return ""
    label = _compact(_site_label(host)) if host else ""
    if label:
        for part in parts:
            if _compact(_without_tld(part)) == label or _compact(part) == _compact(host):
                return _without_tld(part)
    return _without_tld(parts[0])


def outlet_name(
    *,
    title: str | None = None,
    site_url: str | None = None,
    feed_url: str | None = None,
    site_names: Iterable[str | None] = (),
) -> str:
    """The outlet's name from what is known of it (see the module docstring); "" if nothing."""
    host = site_host(site_url) or site_host(feed_url)
    if not is_platform(host):
        named = Counter(n for n in (_clean(s) for s in site_names) if n)
        if named:
            name, count = named.most_common(1)[0]
            if count * 2 > sum(named.values()):  # the pages agree: a feed of many sites does not
                return name[:MAX_NAME]
    platform = is_platform(host)
    name = title_name(title, "" if platform else host)
    if not name and not platform:
        name = host
    return (name or host)[:MAX_NAME]
