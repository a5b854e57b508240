"""Fast sampling from a trained TransitCurveGenerator.

Curves are drawn in chunks, each from its own seed, so a seed gives the same
curves however many threads share the chunks. On the CPU whole chunks run on
threads with torch on one core each: the draws (torch's are serial) and the
map back to the training units (numpy's, which releases the GIL) need no
threads of torch's, and after each of torch's parallel operations an OpenMP
thread spins for milliseconds.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from ._gan_training import generate
from ._robust import centre_rows_

# Most curves per chunk: larger chunks pay torch's per-call costs less often,
# smaller ones keep the threads evenly loaded and fault in fewer fresh pages.
SAMPLE_CHUNK = 512


def draw_curves(gan, codes, levels, scales, seeds, out):
    """Fill ``out`` with curves drawn by ``gan`` in the training units.

    Parameters
    ----------
    gan : TransitCurveGenerator
        A fitted generator.
    codes : ndarray of shape (n_samples,)
        Class code of each sample.
    levels, scales : ndarray of shape (n_samples, 1), float32
        The training curve level and scale each sample takes.
    seeds : sequence of int
        One seed per chunk of ``ceil(n_samples / len(seeds))`` samples.
    out : ndarray of shape (n_samples, n_points), float64
        Written in place.
    """
    size = -(-len(out) // len(seeds))
    rows = [slice(start, start + size) for start in range(0, len(out), size)]
    chunks = [
        (out[part], codes[part], levels[part], scales[part], seed)
        for part, seed in zip(rows, seeds, strict=True)
    ]
    device = next(gan.generator_.parameters()).device
    gan.generator_.eval()
    try:
        if device.type == "cpu":
            _on_threads(gan, chunks, size)
        else:
            buffers = _buffers(gan, size, device)
            for chunk in chunks:
                _draw_chunk(gan, *chunk, buffers)
    finally:
        gan.generator_.train()


def _on_threads(gan, chunks, size):
    """Draw ``chunks`` on as many threads as torch uses, torch on one core each."""
    n_threads = torch.get_num_threads()
    local = threading.local()

    def draw(chunk):
        if not hasattr(local, "buffers"):
            # This thread's own count (OpenMP's is per thread): the calling
            # thread keeps its own.
            torch.set_num_threads(1)
            local.buffers = _buffers(gan, size, torch.device("cpu"))
        _draw_chunk(gan, *chunk, local.buffers)

    try:
        with ThreadPoolExecutor(n_threads) as threads:
            # list() waits for every chunk and raises the first error.
            list(threads.map(draw, chunks))
    finally:
        # torch.set_num_threads also sets the count that threads started later
        # take: put back the caller's.
        torch.set_num_threads(n_threads)


def _empty(shape, device, dtype=torch.float32):
    """An uninitialised tensor; on the CPU from numpy, which asks Linux for
    huge pages for large arrays where torch does not: a chunk's draws then
    cost a few page faults, not thousands."""
    if device.type != "cpu":
        return torch.empty(shape, dtype=dtype, device=device)
    return torch.from_numpy(np.empty(shape, dtype=str(dtype).removeprefix("torch.")))


def _buffers(gan, size, device):
    """Reusable buffers for a chunk's latent and noise draws."""
    generator = gan.generator_
    return (
        _empty((size, generator.latent_dim + generator.n_random), device),
        _empty((size, *generator.white_shape), device, generator.white_dtype),
    )


def _draw_chunk(gan, out, codes, level, scale, seed, buffers):
    """Draw one chunk of curves from ``seed`` into ``out``, in training units."""
    device = buffers[0].device
    generator = torch.Generator(device=device).manual_seed(int(seed))
    z, white = (part[: len(out)].normal_(generator=generator) for part in buffers)
    code = None
    if gan.classes_ is not None:
        code = torch.from_numpy(codes).to(device)
    low_precision = torch.autocast(
        device.type,
        dtype=torch.bfloat16,
        enabled=gan.sample_precision == "bfloat16",
    )
    # Both are per thread, so each chunk's thread enters them.
    with torch.no_grad(), low_precision:
        if device.type == "cpu":
            curves = gan.generator_(z, code, white).float()
            _to_training_units(
                curves.numpy(), level, scale, out, gan.generator_.standardise_output
            )
        else:
            curves = generate(gan.generator_, z, code, white)
            level, scale = torch.as_tensor(level), torch.as_tensor(scale)
            mapped = torch.addcmul(level.to(device), curves, scale.to(device))
            out[...] = mapped.cpu().numpy()


def _to_training_units(curves, level, scale, out, standardise):
    """Write float32 ``curves`` into ``out`` (float64) as ``level + curves *
    scale``, each curve first put on the training curves' scale if
    ``standardise`` (which overwrites ``curves``)."""
    if standardise:
        scale = scale / np.maximum(centre_rows_(curves), np.float32(1e-12))
    np.multiply(curves, scale, out=out)
    out += level
