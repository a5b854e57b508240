"""How long the main job takes: ``lcgan demo`` and ``lcgan demo --full``.

Runs each as a newcomer's ``make demo`` does, in a fresh process, times it
and records the seconds.

Goal: the quick demo under 3 minutes on 2 cores.

Run: python benchmarks/bench_demo.py [quick|full ...]
"""

import os
import subprocess
import sys
import tempfile
import time

from _results import record


def run(kind):
    """Seconds of one ``lcgan demo`` run of the given kind."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "sklearn_lcgan.cli", "demo", "--quiet"]
        command += ["--output", os.path.join(folder, "report")]
        if kind == "full":
            command.append("--full")
        start = time.perf_counter()
        subprocess.run(command, check=True)
        return time.perf_counter() - start


def main(kinds=("quick", "full")):
    rows = []
    for kind in kinds:
        seconds = run(kind)
        print(f"lcgan demo ({kind}): {seconds:.0f} s", flush=True)
        goal = "< 180 s on 2 cores" if kind == "quick" else ""
        rows.append((f"lcgan demo ({kind})", f"{seconds:.0f} s", goal))
    record(rows)


if __name__ == "__main__":
    main(sys.argv[1:] or ("quick", "full"))
