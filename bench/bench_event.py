"""W5: one LIF with an exponential synapse, 100 input spikes, exact spike times and their
gradient with respect to the weights.

tau_m 10 ms, tau_s 5 ms, threshold 1, reset 0; input times U(0, 100) ms, weights
U(0.1, 0.5). snnlab.eventprop (seconds) for forward and gradient, snnlab.simulate
(engine="event") for the forward of the general engine, the stepped engine at the dt
that reaches the same spike-time accuracy; jaxsnn, eventax and Brian2 when installed.
Prints one Markdown row per implementation; does not write bench/results.md.

    PYTHONPATH=. python bench/bench_event.py            # float32
    PYTHONPATH=. python bench/bench_event.py --x64
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np


def _best(fn, repeat=20):
    fn()  # compile
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--x64", action="store_true")
    args = parser.parse_args()
    if args.x64:
        jax.config.update("jax_enable_x64", True)
    import snnlab
    from snnlab import eventprop as ep
    from snnlab.generators import SpikeGenerator
    from snnlab.neurons import ExpLIF

    rng = np.random.default_rng(0)
    t_in = np.sort(rng.uniform(0.0, 100.0, 100))  # ms
    w = rng.uniform(0.1, 0.5, 100)
    params = ep.LIFParameters(tau_syn=5e-3, tau_mem=1e-2, v_th=1.0, v_reset=0.0)
    times_s = jnp.asarray(t_in * 1e-3)
    idx = jnp.arange(100)
    weights = jnp.asarray(w)[:, None]
    t_max = 0.1

    @jax.jit
    def forward(weights):
        return ep.lif_layer(weights, times_s, idx, params, t_max=t_max, max_spikes=64).time

    @jax.jit
    def grad(weights):
        return jax.grad(
            lambda w: jnp.sum(
                ep.lif_layer(w, times_s, idx, params, t_max=t_max, max_spikes=64).time
            )
        )(weights)

    # Reference spike times in float64 (the closed form, tau_m = 2 tau_s).
    with jax.enable_x64(True):
        ref = np.asarray(
            ep.lif_layer(
                jnp.asarray(w, jnp.float64)[:, None],
                jnp.asarray(t_in * 1e-3, jnp.float64),
                idx,
                jax.tree_util.tree_map(lambda x: jnp.asarray(x, jnp.float64), params),
                t_max=t_max,
                max_spikes=64,
            ).time
        )
    ref = ref[ref < t_max] * 1e3
    got = np.asarray(forward(weights))
    got = got[got < t_max] * 1e3
    err = np.max(np.abs(got - ref)) if len(got) == len(ref) else np.inf

    rows = [
        ("snnlab eventprop", _best(lambda: forward(weights)), _best(lambda: grad(weights)), err)
    ]

    model = ExpLIF(
        size=1, tau=10.0, tau_syn=5.0, R=1.0, V_rest=0.0, V_th=1.0, V_reset=0.0,
        v_init=0.0, tau_ref=None,
    )  # fmt: skip
    conn = snnlab.Connection(
        SpikeGenerator(100, spike_times=[[t] for t in t_in]), weight=w[:, None], conn="all_to_all"
    )
    res = snnlab.simulate(model, conn, duration=100.0, engine="event", record=[])
    e_err = np.max(np.abs(res.spike_times - ref)) if len(res.spike_times) == len(ref) else np.inf
    t_ev = min(
        _timed(lambda: snnlab.simulate(model, conn, duration=100.0, engine="event", record=[]))
        for _ in range(5)
    )
    rows.append(("snnlab simulate(engine='event')", t_ev, float("nan"), e_err))
    for dt in (0.01, 0.001):
        res = snnlab.simulate(model, conn, duration=100.0, dt=dt, method="exp_euler")
        s_err = (
            np.max(np.abs(res.spike_times - ref)) if len(res.spike_times) == len(ref) else np.inf
        )
        t_st = min(
            _timed(lambda dt=dt: snnlab.simulate(model, conn, duration=100.0, dt=dt))
            for _ in range(3)
        )
        rows.append((f"snnlab stepped dt={dt} ms", t_st, float("nan"), s_err))
    for name in ("jaxsnn", "eventax", "brian2"):
        try:
            __import__(name)
        except ImportError:
            rows.append((f"{name} (not installed)", float("nan"), float("nan"), float("nan")))

    dtype = "float64" if args.x64 else "float32"
    print(
        f"\n| W5 ({dtype}, {len(ref)} output spikes) | forward (ms) | grad (ms) "
        "| max spike-time error (ms) |"
    )
    print("|---|---|---|---|")
    for name, fwd, g, e in rows:
        print(f"| {name} | {fwd * 1e3:.3f} | {g * 1e3:.3f} | {e:.2e} |")


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
