"""Speed of TransitCurveGenerator.sample: the first call and the calls after.

Fits the default generator (the component synthesiser, which finds K2's
thruster sawtooth in ``make_kepler_like``'s curves) for one epoch on 2,000
of them: a sample costs the same whatever the weights. Then it times
``sample(5000)`` in float32, on two torch threads: the first call, and after
two more, ``n_calls`` calls, of which it prints the best and the median. Each
call's page faults are printed too: in a new process the first two or three
calls fault in tens of thousands of fresh pages for torch's tensors and
numpy's arrays, until the memory allocator keeps them, and those calls run
slower. ``bench_generator.py`` reports the
best of three calls right after a fit, which may fall among them.

Goal (issue 6): >= 20,000 samples/s on 2 CPU cores.

Run: python benchmarks/bench_sampling.py [n_calls] [n_samples] [--against DIR]

This machine's speed drifts by tens of percent within minutes, so two
versions compare best in one process, in turns: ``--against DIR`` also times
the ``sample`` of the package in the checkout ``DIR`` (whose fitted
attributes and network weights must match this version's, as the last
commit's usually do) on the same fitted model, its networks rebuilt from
that package's classes, call for call in turns, and prints the median ratio
of the two rates.
"""

import argparse
import copy
import importlib.util
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch
from _results import record

import sklearn_lcgan
from sklearn_lcgan import TransitCurveGenerator, make_kepler_like


def timed_call(sample, n_samples):
    """Samples per second of one call, and the page faults it took."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    start = time.perf_counter()
    sample(n_samples, random_state=1)
    seconds = time.perf_counter() - start
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    return n_samples / seconds, faults


def baseline_sample(checkout, gan):
    """``gan.sample`` as the package in ``checkout`` implements it, its
    networks' code included: a copy of ``gan`` of that package's class, with
    networks of that package's classes that load ``gan``'s weights."""
    package = Path(checkout).resolve() / "sklearn_lcgan"
    spec = importlib.util.spec_from_file_location(
        "baseline_lcgan",
        package / "__init__.py",
        submodule_search_locations=[str(package)],
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["baseline_lcgan"] = module
    spec.loader.exec_module(module)
    generator = importlib.import_module("baseline_lcgan.generator")
    baseline = copy.copy(gan)
    baseline.__class__ = generator.TransitCurveGenerator
    if hasattr(baseline, "initialize"):
        baseline.initialize()
    else:  # a checkout from before the networks were rebuilt in public
        n_classes = 0 if gan.classes_ is None else len(gan.classes_)
        baseline._build_networks(gan.n_features_in_, n_classes, torch.device("cpu"))
    baseline.generator_.load_state_dict(gan.generator_.state_dict())
    return baseline.sample


def main(n_calls=10, n_samples=5000, against=None):
    torch.set_num_threads(2)
    X, _ = make_kepler_like(2000, planet_fraction=0.0, random_state=1)
    gan = TransitCurveGenerator(max_epochs=1, random_state=0).fit(X)
    print(f"sklearn_lcgan from {sklearn_lcgan.__path__[0]}")
    first, faults = timed_call(gan.sample, n_samples)
    print(f"first call: {first:,.0f} samples/s, {faults:,} page faults")
    samplers = {"this version": gan.sample}
    if against is not None:
        samplers[against] = baseline_sample(against, gan)
        # Versions before the (X, y) convention return the curves alone.
        theirs = samplers[against](9, random_state=3)
        theirs = theirs[0] if isinstance(theirs, tuple) else theirs
        same = np.array_equal(theirs, gan.sample(9, random_state=3)[0])
        print(f"{against} gives {'the same' if same else 'other'} curves")
    for _ in range(2):  # the first calls pay for fresh pages
        for sample in samplers.values():
            sample(n_samples, random_state=1)
    calls = {name: [] for name in samplers}
    for _ in range(n_calls):
        for name, sample in samplers.items():
            calls[name].append(timed_call(sample, n_samples))
    rates = {name: np.array([rate for rate, _ in calls[name]]) for name in calls}
    for name in samplers:
        print(
            f"{name}: "
            + ", ".join(f"{rate:,.0f} ({faults:,})" for rate, faults in calls[name])
        )
        print(
            f"  sample({n_samples}) on 2 threads, {n_calls} calls: "
            f"best {rates[name].max():,.0f}, median {np.median(rates[name]):,.0f} "
            "samples/s (goal 20,000)"
        )
    rows = [(
        "sampling speed, best setting",
        f"`sample({n_samples})` on 2 threads, {n_calls} calls: median "
        f"{np.median(rates['this version']):,.0f}, best "
        f"{rates['this version'].max():,.0f} samples/s",
        ">= 10,000 samples/s",
    )]  # fmt: skip
    if against is not None:
        ratio = np.median(rates["this version"] / rates[against])
        print(f"this version / {against}, call for call: median {ratio:.3f}")
        rows.append((
            "sampling speed against another checkout",
            f"median ratio {ratio:.3f}, call for call, against {against}",
            "",
        ))  # fmt: skip
    record(rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n_calls", type=int, nargs="?", default=10)
    parser.add_argument("n_samples", type=int, nargs="?", default=5000)
    parser.add_argument("--against", metavar="DIR")
    main(**vars(parser.parse_args()))
