"""An item's picture, from what its feed carries: Media RSS, enclosures, iTunes, its HTML.

Counted on the real feeds of ../shared/data/syndikit-real-feeds (36 XML files, 2,811 items):
CNN nests eleven ``media:content`` renditions (248 to 1,100 px wide) in a ``media:group``;
YouTube puts a ``media:thumbnail`` beside a video ``media:content``; podcasts give each
episode an ``itunes:image`` (464 items); blogs carry no media element but an ``<img>`` in
their HTML (332 items, with smileys, "support us" banners and tracking pixels among them).
The order below is the order of trust: a picture the publisher chose for the item first.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

__all__ = ["absolute_url", "entry_image", "html_image", "json_image"]

# The widest rendition up to this many pixels is kept (a lead image 700 CSS px wide on a 2x
# screen), else the narrowest above it: CNN's 1,100 px "super-169" rather than its 248 px.
PREFERRED_MAX_WIDTH = 1600
# An <img> in an item's HTML that declares a side shorter than this is an icon, a smiley or
# a tracking pixel (1x1), not the item's picture (WordPress smileys: height 1em; the
# "support" badge of fivestars.blog: max-height 4em).
MIN_SIDE = 64
# Images that are decoration, not the item's picture: by class (WordPress smileys and emoji,
# avatars) and by URL (rhonabwy.com's feed gives each item its author's Gravatar as
# media:content; FeedBurner's 1x1 tracking pixel).
DECORATION_CLASS = re.compile(r"wp-smiley|emoji|avatar|badge|share", re.IGNORECASE)
DECORATION_URL = re.compile(
    r"gravatar\.com/|/avatars?/|/emoji/|wp-smiley|twemoji|feedburner\.com|/pixel\b", re.IGNORECASE
)
# Only the first few <img> tags of an item are looked at: the picture leads the text.
MAX_IMG_TAGS = 5
_IMAGE_EXT = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:$|[?#])", re.IGNORECASE)
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([a-zA-Z_:][-\w:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_EM_SIZE = re.compile(r"(?:^|;)\s*(?:max-)?(?:height|width)\s*:\s*[\d.]+\s*(?:em|rem)\b", re.I)


def entry_image(raw: Mapping[str, Any], feed_url: str) -> str | None:
    """The picture of a feedparser entry: media:content (widest image rendition, inside a
    media:group or not), media:thumbnail, an image enclosure or link, itunes:image, then the
    first real <img> of its content or summary HTML; None when it has none."""
    return _first(feed_url, _entry_candidates(raw, feed_url))


def _entry_candidates(raw: Mapping[str, Any], feed_url: str) -> Iterable[str]:
    renditions: list[tuple[int, str]] = []
    for media in raw.get("media_content") or []:
        kind = str(media.get("medium") or media.get("type") or "")
        href = str(media.get("url") or "")
        if kind.startswith("image") or (not kind and _IMAGE_EXT.search(href)):
            renditions.append((_number(media.get("width")), href))
    yield from _by_width(renditions)
    yield from _by_width(
        [
            (_number(t.get("width")), str(t.get("url") or ""))
            for t in raw.get("media_thumbnail") or []
        ]
    )
    for link in list(raw.get("links") or []) + list(raw.get("enclosures") or []):
        if str(link.get("type") or "").startswith("image/") and (
            link.get("rel") in (None, "enclosure")
        ):
            yield str(link.get("href") or "")
    itunes = raw.get("image")
    if isinstance(itunes, Mapping):
        yield str(itunes.get("href") or "")
    for part in [*(raw.get("content") or []), raw.get("summary_detail") or {}]:
        found = html_image(str(part.get("value") or ""), str(part.get("base") or feed_url))
        if found:
            yield found


def json_image(item: Mapping[str, Any], feed_url: str) -> str | None:
    """The picture of a JSON Feed item: image, banner_image, an image attachment, then the
    first real <img> of its content_html."""
    candidates = [_str(item.get("image")), _str(item.get("banner_image"))]
    attachments = item.get("attachments")
    for attachment in attachments if isinstance(attachments, list) else []:
        if isinstance(attachment, dict) and _str(attachment.get("mime_type")).startswith("image/"):
            candidates.append(_str(attachment.get("url")))
    candidates.append(html_image(_str(item.get("content_html")), feed_url) or "")
    return _first(feed_url, candidates)


def html_image(fragment: str, base_url: str = "") -> str | None:
    """The absolute URL of the first <img> in an HTML fragment that is a picture, not an icon,
    smiley, badge or tracking pixel (see MIN_SIDE, DECORATION_*); None if there is none."""
    if "<img" not in fragment and "<IMG" not in fragment:
        return None
    for number, tag in enumerate(_IMG_TAG.finditer(fragment)):
        if number >= MAX_IMG_TAGS:
            break
        attrs = {
            m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
            for m in _ATTR.finditer(tag.group(0))
        }
        src = next(
            (
                attrs[name]
                for name in ("src", "data-src", "data-lazy-src", "data-orig-file")
                if attrs.get(name, "").strip() and not attrs[name].strip().startswith("data:")
            ),
            "",
        )
        if not src or _decoration(attrs):
            continue
        absolute = absolute_url(base_url, src)
        if absolute and not DECORATION_URL.search(absolute):
            return absolute
    return None


def _decoration(attrs: Mapping[str, str]) -> bool:
    sides = [_number(attrs.get("width")), _number(attrs.get("height"))]
    if any(0 < side < MIN_SIDE for side in sides) or _EM_SIZE.search(attrs.get("style", "")):
        return True
    return bool(DECORATION_CLASS.search(attrs.get("class", "")))


def _by_width(renditions: list[tuple[int, str]]) -> list[str]:
    """URLs of renditions, best first: the widest up to PREFERRED_MAX_WIDTH, then those of
    unknown width in document order, then the ones wider than that, narrowest first."""

    def rank(item: tuple[int, tuple[int, str]]) -> tuple[int, int]:
        index, (width, _href) = item
        if not width:
            return (1, index)
        if width <= PREFERRED_MAX_WIDTH:
            return (0, -width)
        return (2, width)

    return [href for _index, (_width, href) in sorted(enumerate(renditions), key=rank)]


def _number(value: object) -> int:
    text = str(value or "").strip().removesuffix("px")
    return int(text) if text.isdigit() and len(text) < 7 else 0


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _first(base: str, candidates: Iterable[str]) -> str | None:
    for candidate in candidates:
        absolute = absolute_url(base, candidate)
        if absolute and not DECORATION_URL.search(absolute):
            return absolute
    return None


def absolute_url(base: str, href: object) -> str | None:
    """``href`` resolved against ``base``; None unless the result is an http(s) URL."""
    if not isinstance(href, str) or not href.strip():
        return None
    try:
        absolute = urljoin(base, href.strip())
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return absolute
