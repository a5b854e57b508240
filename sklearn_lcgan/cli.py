"""The ``lcgan`` command: a thin shell over the library."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile

import numpy as np
from tqdm.auto import tqdm

from . import __version__
from .datasets import make_kepler_like
from .injection import TransitInjector
from .metrics import transit_recovery_rate
from .plotting import plot_curves, plot_injection, plot_recovery
from .preprocessing import Detrender, OutlierClipper

REPORT = """\
# sklearn-lcgan demo report

Simulated K2 long-cadence curves (`make_kepler_like`, {n_curves} curves,
seed {seed}), physically modelled transits injected with batman
(`TransitInjector`), and the classical detector astronomers use as a
baseline: running-median detrending and astropy's Box Least Squares.

## Simulated curves

![curves](curves.png)

## An injected transit

Curve {example} with the transit `TransitInjector` drew for it, and the
detrended curve folded at the injected period.

![injection](injection.png)

## Box Least Squares on the simulated planet hosts

BLS recovers the true period (within 1 %, or half/twice it) of
**{host_rate:.0%}** of the {n_hosts} simulated planet hosts.

## Injection-recovery of the BLS baseline

Transits injected into {n_base} non-host curves at each SNR:

| SNR | completeness |
| --- | --- |
{rows}

![recovery](recovery.png)
"""


def _demo(args) -> int:
    rng_seed = args.random_state
    X, y, params = make_kepler_like(
        args.n_curves, n_points=args.n_points, random_state=rng_seed, return_params=True
    )
    hosts = np.flatnonzero(y == 1)
    base = X[y == 0][: args.n_base]
    steps = tqdm(total=3 + len(args.snr), desc="lcgan demo", disable=not args.verbose)

    # Everything is written to a hidden folder beside the output, then renamed:
    # an interrupted run leaves no half-written report.
    parent = os.path.dirname(os.path.abspath(args.output))
    tmp = tempfile.mkdtemp(dir=parent, prefix=".lcgan-report-")
    try:
        plot_curves(X, y, title="make_kepler_like: simulated K2 curves").savefig(
            os.path.join(tmp, "curves.png"), dpi=110
        )
        steps.update()

        injector = TransitInjector(snr=15.0, random_state=rng_seed).fit(base)
        injected, table = injector.inject(
            base, injector.draw_params(base), return_params=True
        )
        residual = OutlierClipper().fit_transform(
            Detrender(window=1.0).fit_transform(injected)
        )
        example = int(np.argmax(table["n_transits"].to_numpy() >= 3))
        plot_injection(
            base[example], injected[example], residual[example], table.iloc[example]
        ).savefig(os.path.join(tmp, "injection.png"), dpi=110)
        steps.update()

        host_rate = transit_recovery_rate(X[hosts], params.loc[hosts, "period"])
        steps.update()

        completeness = []
        for snr in args.snr:
            injector.set_params(snr=snr)
            with_transits, drawn = injector.inject(
                base, injector.draw_params(base), return_params=True
            )
            completeness.append(transit_recovery_rate(with_transits, drawn["period"]))
            steps.update()
        steps.close()
        plot_recovery(
            args.snr, completeness, len(base),
            title="Box Least Squares injection-recovery",
        ).savefig(os.path.join(tmp, "recovery.png"), dpi=110)  # fmt: skip

        metrics = {
            "version": __version__,
            "n_curves": args.n_curves,
            "n_hosts": int(hosts.size),
            "bls_host_recovery_rate": host_rate,
            "bls_completeness_by_snr": dict(
                zip(map(str, args.snr), completeness, strict=True)
            ),
        }
        with open(os.path.join(tmp, "metrics.json"), "w") as f:
            json.dump(metrics, f, indent=2)
        rows = "\n".join(
            f"| {s:g} | {c:.0%} |" for s, c in zip(args.snr, completeness, strict=True)
        )
        with open(os.path.join(tmp, "report.md"), "w") as f:
            f.write(
                REPORT.format(
                    n_curves=args.n_curves, seed=rng_seed, example=example,
                    host_rate=host_rate, n_hosts=hosts.size, n_base=len(base),
                    rows=rows,
                )
            )  # fmt: skip
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    os.chmod(tmp, 0o755)
    if os.path.isdir(args.output):
        shutil.rmtree(args.output)
    os.replace(tmp, args.output)
    print(f"report written to {os.path.join(args.output, 'report.md')}")
    return 0


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``lcgan`` command."""
    parser = argparse.ArgumentParser(
        prog="lcgan", description="Transit light-curve studies with sklearn-lcgan."
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="simulate, inject and run the classical baseline; write a report"
    )
    demo.add_argument("--output", default="lcgan-report", help="report folder")
    demo.add_argument("--n-curves", type=_positive_int, default=120)
    demo.add_argument("--n-points", type=_positive_int, default=3197)
    demo.add_argument("--n-base", type=_positive_int, default=40,
                      help="non-host curves used for injection-recovery")  # fmt: skip
    demo.add_argument("--snr", type=float, nargs="+", default=[5.0, 8.0, 12.0, 20.0])
    demo.add_argument("--random-state", type=int, default=0)
    demo.add_argument("--quiet", dest="verbose", action="store_false")
    demo.set_defaults(run=_demo)
    return parser


def main(argv=None) -> int:
    """Run the ``lcgan`` command; return its exit code.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments; None reads ``sys.argv``.

    Returns
    -------
    code : int
        0 on success, 2 on bad input.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError, OSError) as exc:
        print(f"lcgan {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
