"""newsdesk: a self-hosted, AI-powered news aggregator."""

__version__ = "0.1.0"
