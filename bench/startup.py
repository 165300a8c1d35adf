"""Start-up time of the light CLI commands: `newsdesk --help`, `feeds list`, `stats`.

Each command runs --runs times (default 7) as a fresh process on a temporary database with a
few feeds (NEWSDESK_DATA_DIR in a temp dir, migrated beforehand); the figure is the median
wall time. The baseline is `python -c pass` with the same interpreter, in the same run.

    python bench/startup.py [--runs N] [--json OUT]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import write_json

COMMANDS = {"--help": ["--help"], "feeds list": ["feeds", "list"], "stats": ["stats"]}


def newsdesk_command() -> list[str]:
    """The installed console script next to this interpreter, else `python -m newsdesk.cli`."""
    script = Path(sys.executable).with_name("newsdesk")
    if script.exists():
        return [str(script)]
    found = shutil.which("newsdesk")
    return [found] if found else [sys.executable, "-m", "newsdesk.cli"]


def median_seconds(argv: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def prepare(data_dir: Path, feeds: int = 5) -> None:
    """A migrated database with a few feeds (no network)."""
    from newsdesk.config import Settings
    from newsdesk.store import Feed, connect, session_scope

    settings = Settings.from_env().with_(data_dir=data_dir)
    with session_scope(connect(settings.db_url)) as session:
        for i in range(feeds):
            session.add(Feed(url=f"https://outlet{i}.example/feed.xml", title=f"Outlet {i}"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7, help="runs per command (median)")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="newsdesk-startup-") as tmp:
        env = {**os.environ, "NEWSDESK_DATA_DIR": tmp, "COLUMNS": "120"}
        os.environ["NEWSDESK_DATA_DIR"] = tmp
        prepare(Path(tmp))
        figures: dict[str, object] = {"runs": args.runs, "median_seconds": {}}
        medians: dict[str, float] = {}
        medians["python -c pass"] = median_seconds([sys.executable, "-c", "pass"], args.runs, env)
        base = newsdesk_command()
        for name, argv in COMMANDS.items():
            medians[f"newsdesk {name}"] = median_seconds([*base, *argv], args.runs, env)
        figures["median_seconds"] = {k: round(v, 3) for k, v in medians.items()}

    for name, seconds in medians.items():
        print(f"{name:22} {seconds * 1000:7.0f} ms")
    if args.json:
        write_json(args.json, figures)


if __name__ == "__main__":
    main()
