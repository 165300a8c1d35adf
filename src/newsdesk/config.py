"""Settings, read once from NEWSDESK_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from newsdesk import __version__

USER_AGENT = (
    f"newsdesk/{__version__} (+https://github.com/newsdesk/newsdesk; self-hosted news reader)"
)


def _env_list(name: str) -> list[str]:
    raw = os.environ.get(name, "")
    return [part.strip() for part in raw.split(",") if part.strip()]


@dataclass(frozen=True)
class Settings:
    """Operator configuration. Every field has an environment variable (see docs/configuration.md)."""

    data_dir: Path = Path("data")
    database_url: str = ""
    user_agent: str = USER_AGENT
    max_body_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    timeout: float = 20.0
    concurrency: int = 16
    per_host_concurrency: int = 2
    # CIDR networks that the SSRF guard lets through (e.g. "127.0.0.0/8" for tests).
    allowed_networks: tuple[str, ...] = ()
    obey_robots: bool = True
    refresh_interval: int = 30 * 60
    full_text_min_words: int = 150
    # Hostile-feed bounds, per feed and run (0: no limit). Real feeds list 10-100 items; 1000
    # parse in about 0.2 s, while a 100,000-item feed took 45 s and 800 MB. Only the newest
    # are read; the count skipped is recorded against the feed.
    max_items_per_feed: int = 1000
    # Article pages fetched for teaser items; the rest keep their feed text (newest first).
    max_pages_per_feed: int = 100
    # Article pages per host: a token bucket of `pages_per_host_burst` refilled at this rate;
    # requests over it wait.
    pages_per_host_per_minute: float = 120.0
    pages_per_host_burst: int = 30
    extract_workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    # Text-analysis processes for large enrichment backlogs (1: analyse in the calling process).
    enrich_workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    # How long a worker's claim on a feed or article lasts unless renewed (ingest/leases.py):
    # a worker killed mid-job holds its items this long, then another takes them.
    lease_seconds: float = 300.0
    # `newsdesk worker` lowers its CPU priority by this much (nice; 0: not at all), so that on
    # a machine it shares with web processes readers come first and ingestion takes the CPU
    # they leave (at 100,000 articles under 20 readers: see BENCHMARKS.md).
    worker_nice: int = 10
    secret_key: str = ""
    # Mark the session cookie Secure even when the app sees plain HTTP (behind a TLS proxy).
    secure_cookies: bool = False
    # Where readers reach the site, e.g. "https://news.example.org": every absolute link (Atom,
    # API, Google Reader) is built on it, never on the request's Host header. Unset: `serve`
    # uses http://HOST:PORT, create_app() http://localhost.
    base_url: str = ""
    # IPs/CIDRs of reverse proxies whose X-Forwarded-For/-Proto are believed (empty: none).
    trusted_proxies: tuple[str, ...] = ()
    # A line per request on the web server's log (uvicorn's access log). Behind a reverse proxy
    # that logs every request, turn it off: it is about a tenth of a kept page's CPU.
    access_log: bool = True
    # Page requests (GET, HEAD) each web process runs at once; the others wait their turn in
    # order of arrival (0: no limit; None: reads_at_once's default). See web/app.py ReadTurns.
    web_reads_at_once: int | None = None
    # Optional OpenAI-compatible LLM endpoint (newsdesk.nlp.llm); unset: the feature is off.
    llm_url: str = ""
    llm_model: str = ""
    llm_api_key: str = field(default="", repr=False)
    llm_timeout: float = 60.0

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'newsdesk.db'}"

    @property
    def reads_at_once(self) -> int:
        """web_reads_at_once, else 1 on SQLite (a page read from a file on this machine waits on
        nothing another request could use) and 2 on PostgreSQL (a page waits on the database
        server, meanwhile another is made). Measured at 100,000 articles, BENCHMARKS.md."""
        from sqlalchemy.engine import make_url  # as store.db.connect tells the backends apart

        if self.web_reads_at_once is not None:
            return self.web_reads_at_once
        return 1 if make_url(self.db_url).get_backend_name() == "sqlite" else 2

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        base = cls()
        return cls(
            data_dir=Path(env.get("NEWSDESK_DATA_DIR", str(base.data_dir))),
            database_url=env.get("NEWSDESK_DATABASE_URL", ""),
            user_agent=env.get("NEWSDESK_USER_AGENT", base.user_agent),
            max_body_bytes=int(env.get("NEWSDESK_MAX_BODY_BYTES", base.max_body_bytes)),
            max_redirects=int(env.get("NEWSDESK_MAX_REDIRECTS", base.max_redirects)),
            timeout=float(env.get("NEWSDESK_TIMEOUT", base.timeout)),
            concurrency=int(env.get("NEWSDESK_CONCURRENCY", base.concurrency)),
            per_host_concurrency=int(
                env.get("NEWSDESK_PER_HOST_CONCURRENCY", base.per_host_concurrency)
            ),
            allowed_networks=tuple(_env_list("NEWSDESK_ALLOWED_NETWORKS")),
            obey_robots=env.get("NEWSDESK_OBEY_ROBOTS", "1") not in ("0", "false", "no"),
            refresh_interval=int(env.get("NEWSDESK_REFRESH_INTERVAL", base.refresh_interval)),
            full_text_min_words=int(
                env.get("NEWSDESK_FULL_TEXT_MIN_WORDS", base.full_text_min_words)
            ),
            max_items_per_feed=int(env.get("NEWSDESK_MAX_ITEMS_PER_FEED", base.max_items_per_feed)),
            max_pages_per_feed=int(env.get("NEWSDESK_MAX_PAGES_PER_FEED", base.max_pages_per_feed)),
            pages_per_host_per_minute=float(
                env.get("NEWSDESK_PAGES_PER_HOST_PER_MINUTE", base.pages_per_host_per_minute)
            ),
            pages_per_host_burst=int(
                env.get("NEWSDESK_PAGES_PER_HOST_BURST", base.pages_per_host_burst)
            ),
            extract_workers=int(env.get("NEWSDESK_EXTRACT_WORKERS", base.extract_workers)),
            enrich_workers=int(env.get("NEWSDESK_ENRICH_WORKERS", base.enrich_workers)),
            lease_seconds=float(env.get("NEWSDESK_LEASE_SECONDS", base.lease_seconds)),
            worker_nice=int(env.get("NEWSDESK_WORKER_NICE", base.worker_nice)),
            secret_key=env.get("NEWSDESK_SECRET_KEY", ""),
            secure_cookies=env.get("NEWSDESK_SECURE_COOKIES", "0").lower() in ("1", "true", "yes"),
            base_url=env.get("NEWSDESK_BASE_URL", "").strip(),
            trusted_proxies=tuple(_env_list("NEWSDESK_TRUSTED_PROXIES")),
            access_log=env.get("NEWSDESK_ACCESS_LOG", "1").lower() not in ("0", "false", "no"),
            web_reads_at_once=(
                int(env["NEWSDESK_WEB_READS_AT_ONCE"])
                if env.get("NEWSDESK_WEB_READS_AT_ONCE", "").strip()
                else None
            ),
            llm_url=env.get("NEWSDESK_LLM_URL", "").strip(),
            llm_model=env.get("NEWSDESK_LLM_MODEL", "").strip(),
            llm_api_key=env.get("NEWSDESK_LLM_API_KEY", ""),
            llm_timeout=float(env.get("NEWSDESK_LLM_TIMEOUT", base.llm_timeout)),
        )
