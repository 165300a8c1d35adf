"""Data for naming outlets (newsdesk.sources.outlet): what feed titles wrap a site's name in,
and the hosts that carry many sites' feeds.

Collected from the titles and site links of the real feeds in syndikit-real-feeds (CNN, DR,
GameStar, Apple Developer, YouTube channels, podcasts on transistor.fm / fireside.fm / castos)
and the OPML of newsdesk's default feeds ("BBC News - World", "NYT > Top Stories",
"Reuters: World News"); platforms from the hosts those feeds' items link to.
"""

from __future__ import annotations

# Separators between the parts of a feed title: "CNN.com - RSS Channel", "Seneste nyt | DR".
SEPARATORS = (" - ", " – ", " — ", " | ", " :: ", " > ", " » ", " · ", ": ")

# Title parts (case-folded) that name a section or the feed itself, never the site.
SECTION_WORDS = frozenset(
    {
        "rss",
        "rss feed",
        "rss channel",
        "rss 2.0",
        "atom",
        "atom feed",
        "feed",
        "json feed",
        "news",
        "latest",
        "latest news",
        "top stories",
        "top news",
        "headlines",
        "home",
        "front page",
        "homepage",
        "recent releases",
        "releases",
        "blog",
        "podcast",
        "seneste nyt",  # DR: "latest news"
        "nyheder",
        "nachrichten",  # de
        "aktuell",
        "actualités",  # fr
        "noticias",  # es
        "world",
        "world news",
        "all",
    }
)

# Words around a name in a title part: "Read on DR ↗", "The latest from X".
STRIP_PREFIXES = ("read on ", "latest from ", "news from ", "articles from ", "posts from ")
STRIP_CHARS = " \t\u00a0↗→»«›‹|·-–—:"

# Hosts that carry many publishers' feeds and pages: their name (og:site_name "YouTube") or
# host is not the outlet; the feed's title is.
PLATFORM_HOSTS = frozenset(
    {
        "youtube.com",
        "youtu.be",
        "vimeo.com",
        "medium.com",
        "substack.com",
        "blogspot.com",
        "wordpress.com",
        "tumblr.com",
        "feedburner.com",
        "feeds.feedburner.com",
        "transistor.fm",
        "share.transistor.fm",
        "fireside.fm",
        "castos.com",
        "libsyn.com",
        "anchor.fm",
        "soundcloud.com",
        "podbean.com",
        "github.io",
        "google.com",
        "news.google.com",
    }
)

# Host labels dropped in front of the site's own name: "www.cnn.com" -> "cnn.com".
HOST_PREFIXES = ("www", "www2", "m", "mobile", "feeds", "feed", "rss", "rssfeeds", "blog", "news")

# Top-level domains (and second-level ones under them) taken off a name that is a domain:
# "CNN.com" -> "CNN".
TLDS = frozenset(
    {
        "com",
        "org",
        "net",
        "info",
        "io",
        "co",
        "dk",
        "de",
        "uk",
        "co.uk",
        "org.uk",
        "fr",
        "es",
        "it",
        "nl",
        "se",
        "no",
        "fi",
        "eu",
        "us",
        "ca",
        "au",
        "com.au",
        "in",
        "blog",
        "show",
        "news",
        "fm",
    }
)
