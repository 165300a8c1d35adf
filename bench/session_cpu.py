"""CPU per scheduling group beside a load run: which process group took the cores in each window.

Linux schedules each session (a process started with setsid: `newsdesk serve`, `newsdesk
worker`, the bench's page server, a shell) as a group of its own (autogroup), so this samples
the CPU time of every process from /proc every 0.25 s, adds it up by session, and names each
session by its leader's command line, nice value and autogroup. `join` then puts each window of
a `bench/load.py --driver wrk --wrk-step S` run (its JSON) beside the cores each group took
while that window's wrk process ran.

    python bench/session_cpu.py record SAMPLES.jsonl SECONDS &
    python bench/load.py ... --driver wrk --wrk-step 6 --json LOAD.json
    python bench/session_cpu.py join LOAD.json SAMPLES.jsonl

Run the load in a session of its own (`setsid -w python bench/load.py ...`) so that its wrk
is told apart from other jobs of the shell that started it. Linux only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from pathlib import Path
from typing import Any

TICK = 0.25  # seconds between samples
# A session's name from its leader's command line, first match wins.
NAMES = (
    ("http.server", "outlets"),  # the bench's page server (bench/ingest.py SERVE)
    ("newsdesk worker", "worker"),
    ("newsdesk serve", "web"),
    ("load.py", "bench+wrk"),
)
CLOCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def snapshot() -> tuple[dict[int, float], dict[int, str], list[int]]:
    """CPU seconds by session, each session leader's description, the pids of wrk processes."""
    cpu: dict[int, float] = {}
    names: dict[int, str] = {}
    wrk: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # gone meanwhile
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        sid = int(fields[3])
        cpu[sid] = cpu.get(sid, 0.0) + (int(fields[11]) + int(fields[12])) / CLOCK
        if int(entry) == sid:
            try:
                line = Path(f"/proc/{entry}/cmdline").read_text().replace("\0", " ")[:80]
                group = Path(f"/proc/{entry}/autogroup").read_text().split()[-1]
            except OSError:
                line, group = comm, "?"
            names[sid] = f"{line} nice={fields[16]} autogroup-nice={group}"
        if comm == "wrk":
            wrk.append(int(entry))
    return cpu, names, wrk


def record(out: Path, seconds: float) -> None:
    """One JSON line per TICK: the time, CPU seconds per session since the last line, the
    sessions' names, the wrk pids alive."""
    before, _, _ = snapshot()
    end = time.time() + seconds
    with out.open("w") as f:
        while time.time() < end:
            time.sleep(TICK)
            now, names, wrk = snapshot()
            used = {sid: t - before[sid] for sid, t in now.items() if t - before.get(sid, t) > 0}
            line = {
                "t": round(time.time(), 3),
                "cpu": {str(s): round(v, 3) for s, v in used.items()},
                "names": {str(s): names.get(s, "?") for s in used},
                "wrk": wrk,
            }
            f.write(json.dumps(line) + "\n")
            f.flush()
            before = now


def short_name(description: str) -> str:
    for key, name in NAMES:
        if key in description:
            return name
    return "other: " + description.split(" nice=")[0][:30]


def join(load_json: Path, samples: Path) -> list[dict[str, Any]]:
    """Each wrk window of the load run with the cores each session group took during it."""
    windows = [
        (name, figures)
        for name, figures in json.loads(load_json.read_text())["results"]["by_phase"].items()
        if re.search(r"\d+-\d+ s$", name)
    ]
    lines = [json.loads(x) for x in samples.read_text().splitlines() if x.strip()]
    runs: list[list[float]] = []  # [pid, first seen, last seen], in order
    for line in lines:
        for pid in line["wrk"]:
            if runs and runs[-1][0] == pid:
                runs[-1][2] = line["t"]
            elif all(r[0] != pid for r in runs):
                runs.append([pid, line["t"], line["t"]])
    out = []
    for (name, figures), (_, first, last) in zip(windows, runs[-len(windows) :], strict=False):
        cores: dict[str, float] = {}
        for line in lines:
            if first - TICK < line["t"] <= last + TICK:
                for sid, used in line["cpu"].items():
                    group = short_name(line["names"][sid])
                    cores[group] = cores.get(group, 0.0) + used
        span = last - first + TICK
        out.append(
            {
                "window": name,
                "requests_per_s": figures["requests_per_s"],
                "p99_ms": figures["p99_ms"],
                "cores": {
                    g: round(c / span, 2) for g, c in sorted(cores.items()) if c / span > 0.02
                },
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="sample CPU per session into a JSON-lines file")
    rec.add_argument("out", type=Path)
    rec.add_argument("seconds", type=float)
    jn = sub.add_parser("join", help="each wrk window beside the cores each group took")
    jn.add_argument("load_json", type=Path)
    jn.add_argument("samples", type=Path)
    jn.add_argument("--json", type=Path, help="write the rows to this JSON file")
    opts = parser.parse_args()
    if opts.command == "record":
        record(opts.out, opts.seconds)
        return
    rows = join(opts.load_json, opts.samples)
    for row in rows:
        cores = " ".join(
            f"{g}={c:.2f}" for g, c in sorted(row["cores"].items(), key=lambda x: -x[1])
        )
        print(
            f"{row['window']:>22}: {row['requests_per_s']:8.1f}/s p99 {row['p99_ms']:7.1f} ms | {cores}"
        )
    if opts.json:
        opts.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
