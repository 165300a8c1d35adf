"""Turn fetched bytes into text (feeds, pages, robots.txt): one decoding policy for all."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

__all__ = ["content_type_params", "declared_encoding", "decode_body", "lookup_encoding"]

# Labels that browsers (WHATWG Encoding Standard) decode as windows-1252: real pages that say
# "iso-8859-1" almost always contain cp1252 smart quotes in 0x80-0x9F.
_CP1252_ALIASES = {"latin_1", "ascii", "cp1252"}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']\s*([A-Za-z0-9._:+-]+)""")
_META = re.compile(
    rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:+-]+)""", re.IGNORECASE | re.DOTALL
)
_SNIFF_BYTES = 8192


def content_type_params(content_type: str | None) -> tuple[str, dict[str, str]]:
    """Split a Content-Type value into (lower-case mime type, {param: value})."""
    if not content_type:
        return "", {}
    mime, *rest = content_type.split(";")
    params: dict[str, str] = {}
    for part in rest:
        key, sep, value = part.partition("=")
        if sep:
            params[key.strip().lower()] = value.strip().strip("\"'").strip()
    return mime.strip().lower(), params


def lookup_encoding(label: str | None) -> str | None:
    """Python codec name for a charset label, or None when the label is unknown/bogus."""
    if not label:
        return None
    try:
        info = codecs.lookup(label.strip().strip("\"'"))
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True):  # "base64", "rot13", "zlib", ...
        return None
    name = info.name
    if name in _CP1252_ALIASES or name == "iso8859-1":
        return "cp1252"
    return name


def bom_encoding(body: bytes) -> tuple[str, int] | None:
    """(codec, BOM length) when the body starts with a byte-order mark."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name, len(bom)
    return None


def _is_wide(codec: str) -> bool:
    """UTF-16 or UTF-32: text in those cannot also be read as ASCII."""
    return codec.startswith(("utf-16", "utf-32", "utf_16", "utf_32"))


def declared_encoding(body: bytes) -> str | None:
    """Encoding named by an XML declaration or an HTML ``<meta>`` in the first bytes."""
    head = body[:_SNIFF_BYTES]
    match = _XML_DECL.match(head) or _META.search(head)
    if match is None:
        return None
    name = lookup_encoding(match.group(1).decode("ascii", "replace"))
    if name is not None and _is_wide(name):
        # The declaration was readable as ASCII, so the document is not really UTF-16/32.
        return "utf-8"
    return name


def _detect(body: bytes) -> str | None:
    best = charset_normalizer.from_bytes(body[: 512 * 1024]).best()
    return lookup_encoding(best.encoding) if best is not None else None


def decode_body(body: bytes, content_type: str | None = None) -> str:
    """Decode ``body``: BOM, then valid UTF-8, then a declared charset, then detection.

    A BOM wins over everything, as in the WHATWG Encoding Standard. Bytes that are valid
    UTF-8 are taken as UTF-8 whatever the header or the document declares: stale ISO-8859-1
    declarations are common, while real single-byte text is almost never valid UTF-8. A
    declared charset (the Content-Type header's, then the document's own) is used if the bytes
    decode with at most a few errors; otherwise the encoding is detected. Unknown or bogus
    charset names are skipped. Undecodable bytes become U+FFFD, never an error.
    """
    bom = bom_encoding(body)
    if bom is not None:
        bom_name, skip = bom
        return body[skip:].decode(bom_name, "replace")
    header = lookup_encoding(content_type_params(content_type)[1].get("charset"))
    if header is not None and _is_wide(header):
        return body.decode(header, "replace")  # ASCII-range UTF-16 would also pass as UTF-8
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    tolerated = max(1, len(body) // 10_000)
    for name in (header, declared_encoding(body)):
        if name is None:
            continue
        text = body.decode(name, "replace")
        if text.count("\ufffd") <= tolerated:
            return text
    return body.decode(_detect(body) or "cp1252", "replace")
