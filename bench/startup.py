"""Start-up time of the light CLI commands: `newsdesk --help`, `feeds list`, `stats`.

Each command runs --runs times (default 7) as a fresh process on a temporary database with a
few feeds (NEWSDESK_DATA_DIR in a temp dir, migrated beforehand); the figures are the median
wall time and the median CPU time (user + system of the process, from getrusage), each also
over the baseline: `python -c pass` with the same interpreter, in the same run.

    python bench/startup.py [--runs N] [--json OUT]
"""

from __future__ import annotations

import argparse
import os
import resource
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


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median_seconds(argv: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    """Median (wall, CPU) seconds of `runs` runs of `argv`."""
    walls, cpus = [], []
    for _ in range(runs):
        cpu = children_cpu()
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
        cpus.append(children_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


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
        medians: dict[str, tuple[float, float]] = {}
        medians["python -c pass"] = median_seconds([sys.executable, "-c", "pass"], args.runs, env)
        base = newsdesk_command()
        for name, argv in COMMANDS.items():
            medians[f"newsdesk {name}"] = median_seconds([*base, *argv], args.runs, env)
    wall0, cpu0 = medians["python -c pass"]
    figures: dict[str, object] = {
        "runs": args.runs,
        "median_seconds": {k: round(w, 3) for k, (w, _) in medians.items()},
        "median_cpu_seconds": {k: round(c, 3) for k, (_, c) in medians.items()},
    }

    print(f"{'':22} {'wall':>8} {'CPU':>8} {'wall - base':>12} {'CPU - base':>11}")
    for name, (wall, cpu) in medians.items():
        print(
            f"{name:22} {wall * 1000:5.0f} ms {cpu * 1000:5.0f} ms "
            f"{(wall - wall0) * 1000:9.0f} ms {(cpu - cpu0) * 1000:8.0f} ms"
        )
    if args.json:
        write_json(args.json, figures)


if __name__ == "__main__":
    main()
