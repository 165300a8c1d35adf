"""Sources: fetching over HTTP, feed parsing, OPML, feed discovery, URL canonicalization."""
