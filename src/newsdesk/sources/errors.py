"""Exceptions raised while fetching a source over HTTP."""

from __future__ import annotations


class FetchError(Exception):
    """A fetch failed; ``kind`` is a short machine-readable reason.

    Kinds: ``timeout``, ``too_large``, ``redirect_loop``, ``too_many_redirects``,
    ``http_status``, ``blocked``, ``network``, ``robots``, ``invalid_url``.
    """

    def __init__(
        self,
        url: str,
        kind: str,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.kind = kind
        self.status = status
        self.retry_after = retry_after


class BlockedURL(FetchError):
    """The SSRF guard refused a URL (bad scheme, or it resolves to a non-public address)."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(url, "blocked", message)
