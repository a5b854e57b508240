"""The benchmarks' record of their figures: ``benchmarks/RESULTS.md``.

Each benchmark ends with :func:`record`, which writes or replaces one row per
figure it measured, with the command that produced it, the date, the commit
and the machine, so that the file always holds the latest measurement of
every figure and where it came from.
"""

from __future__ import annotations

import datetime
import os
import platform
import shlex
import subprocess
import sys

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS.md")
HEADER = "| figure | value | goal | command | date | commit | machine |"


def _commit():
    """The checkout's short commit, marked ``+changes`` if the package differs."""
    root = os.path.dirname(os.path.dirname(RESULTS))

    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--untracked-files=no", "sklearn_lcgan")
    return commit + ("+changes" if changed else "")


def machine():
    """The processor's model and the cores this process may use."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {len(os.sched_getaffinity(0))} cores"


def command():
    """The command line that ran this benchmark, from the project's root."""
    script = os.path.relpath(os.path.abspath(sys.argv[0]), os.path.dirname(RESULTS))
    return " ".join(["python", f"benchmarks/{script}", *map(shlex.quote, sys.argv[1:])])


def record(rows):
    """Write or replace rows of ``RESULTS.md``, keyed by the figure's name.

    Parameters
    ----------
    rows : list of (str, str, str)
        ``(figure, value, goal)``: the figure's name, what was measured and
        the goal it is held to ("" if none).
    """
    stamp = [f"`{command()}`", datetime.date.today().isoformat(), _commit(), machine()]
    with open(RESULTS) as handle:
        lines = handle.read().splitlines()
    start = lines.index(HEADER) + 2
    stop = start
    while stop < len(lines) and lines[stop].startswith("| "):
        stop += 1
    table = {line[2:].split(" | ", 1)[0]: line for line in lines[start:stop]}
    for name, value, goal in rows:
        table[name] = "| " + " | ".join([name, value, goal, *stamp]) + " |"
    text = "\n".join([*lines[:start], *table.values(), *lines[stop:]]) + "\n"
    partial = RESULTS + ".partial"
    with open(partial, "w") as handle:
        handle.write(text)
    os.replace(partial, RESULTS)
    print(f"recorded {len(rows)} figure(s) in benchmarks/RESULTS.md")
