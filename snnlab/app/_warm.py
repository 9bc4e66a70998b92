"""Warming a fresh server: the Explorer's default runs compiled before the first student.

`snnlab serve` calls `warm_compilation_cache` in each worker before it takes sessions.
"""

from __future__ import annotations

import logging
import time

from ._explorer import Explorer

log = logging.getLogger("snnlab.app")


def warm_compilation_cache(models=("LIF",), sizes=(1,), repeats: int = 2) -> float:
    """Compile (and measure) the Explorer's default runs, so that a fresh server answers
    its first students at once. With JAX's persistent compilation cache on
    (`jax_compilation_cache_dir`) the compiled code also serves later processes.

    **Arguments:**

    - `models`: neuron model names to warm, each with its default input and drive.
    - `sizes`: population sizes to warm (each padded as the Explorer pads it).
    - `repeats`: runs of each variant; runs after the compiling one measure its cost, so
      that the scheduler knows it is cheap enough for the event loop.

    **Returns:** the seconds it took.
    """
    import warnings

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        explorer = Explorer(sync_url=False)
        try:
            for model in models:
                explorer.model = model
                for size in sizes:
                    explorer.size = int(size)
                    for _ in range(max(0, repeats - 1)):
                        explorer.request_run()
        finally:
            explorer.close()
    took = time.perf_counter() - t0
    log.info("compiled the default runs of %s in %.1f s", ", ".join(models), took)
    return took


__all__ = ["warm_compilation_cache"]
