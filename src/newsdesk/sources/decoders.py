"""Incremental Content-Encoding decoders that never inflate past a byte budget (gzip bombs)."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any, Protocol

import brotli

__all__ = ["BodyTooLarge", "Decoder", "make_decoder"]


class BodyTooLarge(Exception):
    """The decoded body went over its budget."""


class Decoder(Protocol):
    def decode(self, data: bytes, budget: int) -> Iterator[bytes]:
        """Decoded pieces of ``data``; raises BodyTooLarge once output exceeds ``budget``."""
        ...

    def flush(self, budget: int) -> Iterator[bytes]: ...


class _Identity:
    def decode(self, data: bytes, budget: int) -> Iterator[bytes]:
        if len(data) > budget:
            raise BodyTooLarge
        yield data

    def flush(self, budget: int) -> Iterator[bytes]:
        return iter(())


class _Zlib:
    """gzip (possibly multi-member) or deflate (zlib-wrapped, or raw as some servers send)."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._wbits = 16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS
        self._obj: Any = zlib.decompressobj(self._wbits)
        self._started = False
        self._done = False  # a complete gzip member was decoded

    def decode(self, data: bytes, budget: int) -> Iterator[bytes]:
        produced = 0
        while data:
            try:
                piece = self._obj.decompress(data, budget - produced + 1)
            except zlib.error:
                if self._done:
                    return  # trailing garbage after a complete gzip member: ignore it
                if self._gzip or self._started:
                    raise ValueError("corrupt compressed body") from None
                self._wbits = -zlib.MAX_WBITS  # "deflate" sent as raw deflate
                self._obj = zlib.decompressobj(self._wbits)
                piece = self._obj.decompress(data, budget - produced + 1)
            self._started = True
            produced += len(piece)
            if produced > budget:
                raise BodyTooLarge
            if piece:
                yield piece
            if self._obj.unconsumed_tail:
                data = self._obj.unconsumed_tail
            elif self._obj.eof:
                self._done = True
                data = self._obj.unused_data if self._gzip else b""
                self._obj = zlib.decompressobj(self._wbits)  # next gzip member, if any
            else:
                data = b""

    def flush(self, budget: int) -> Iterator[bytes]:
        piece = self._obj.flush(budget + 1)
        if len(piece) > budget:
            raise BodyTooLarge
        if piece:
            yield piece


class _Brotli:
    def __init__(self) -> None:
        self._obj: Any = brotli.Decompressor()

    def decode(self, data: bytes, budget: int) -> Iterator[bytes]:
        return self._drain(data, budget)

    def flush(self, budget: int) -> Iterator[bytes]:
        return self._drain(b"", budget)

    def _drain(self, data: bytes, budget: int) -> Iterator[bytes]:
        """Feed ``data``, then pull buffered output in bounded pieces until none is left."""
        produced = 0
        limit = min(budget + 1, 64 * 1024)
        try:
            piece = self._obj.process(data, output_buffer_limit=limit)
            while True:
                produced += len(piece)
                if produced > budget:
                    raise BodyTooLarge
                if not piece or self._obj.is_finished():
                    if piece:
                        yield piece
                    return
                yield piece
                piece = self._obj.process(b"", output_buffer_limit=limit)
        except brotli.error as exc:
            raise ValueError(f"corrupt brotli body: {exc}") from None


def make_decoder(content_encoding: str) -> Decoder:
    """A chained decoder for a Content-Encoding header ("gzip", "br", "gzip, br", ...)."""
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    decoders: list[Decoder] = []
    for coding in reversed(codings):  # the last coding applied is undone first
        if coding in ("gzip", "x-gzip"):
            decoders.append(_Zlib(gzip=True))
        elif coding == "deflate":
            decoders.append(_Zlib(gzip=False))
        elif coding == "br":
            decoders.append(_Brotli())
        else:
            raise ValueError(f"unsupported Content-Encoding {coding!r}")
    if not decoders:
        return _Identity()
    if len(decoders) == 1:
        return decoders[0]
    return _Chain(decoders)


class _Chain:
    def __init__(self, decoders: list[Decoder]) -> None:
        self._decoders = decoders

    def decode(self, data: bytes, budget: int) -> Iterator[bytes]:
        return self._run(0, [data], budget, final=False)

    def flush(self, budget: int) -> Iterator[bytes]:
        return self._run(0, [], budget, final=True)

    def _run(self, index: int, pieces: list[bytes], budget: int, final: bool) -> Iterator[bytes]:
        if index == len(self._decoders):
            yield from pieces
            return
        decoder = self._decoders[index]
        out: list[bytes] = []
        for piece in pieces:
            out.extend(decoder.decode(piece, budget))
        if final:
            out.extend(decoder.flush(budget))
        yield from self._run(index + 1, out, budget, final)
