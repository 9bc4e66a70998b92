"""W4: DynapSim, 256 neurons x 1000 steps at dt = 1 ms, Bernoulli(0.05) AMPA input, float32.

Times, in one process:

- snnlab's `DynapSim.evolve` (feed-forward and recurrent), recording every state;
- a minimal hand-written `lax.scan` of the same equations (the floor);
- rockpool's DynapSim (3.1, one merged synapse), its `evolve` as documented and wrapped
  in `jax.jit`, when rockpool is importable.

Each is reported as the first call (compile + run) and the median of >= 5 warm calls, as
Markdown table rows. With rockpool present it also checks that the float32 raster equals
rockpool's. Run: `python bench/bench_dynapse.py [--repeats 7]`.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

from snnlab.dynapse import DynapSim

N, T, P_IN = 256, 1000, 0.05


def timed(fn, repeats):
    t0 = time.perf_counter()
    out = jax.block_until_ready(fn())
    first = time.perf_counter() - t0
    warm = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        warm.append(time.perf_counter() - t0)
    return out, first, statistics.median(warm)


def floor_evolve(sim: DynapSim, x4: jax.Array, w_rec: jax.Array | None):
    """The same equations written out once; parameters are (N,) arrays, as DynapSim stores."""
    kappa = (sim.kappa_n + sim.kappa_p) / 2
    ut_k = sim.Ut / kappa
    io = sim.Io
    itau_syn, itau_ahp = jnp.maximum(sim.Itau_syn, io), jnp.maximum(sim.Itau_ahp, io)
    itau_mem, igain_mem = jnp.maximum(sim.Itau_mem, io), jnp.maximum(sim.Igain_mem, io)
    tau_syn, tau_ahp = ut_k * sim.C_syn / itau_syn, ut_k * sim.C_ahp / itau_ahp
    s_dec = jnp.exp(-sim.dt / tau_syn)
    s_chg = 1.0 - jnp.exp(-(sim.Vth * sim.C_pulse / sim.Ipulse) / tau_syn)
    s_gain = jnp.maximum(sim.Igain_syn, io) / itau_syn
    a_dec = jnp.exp(-sim.dt / tau_ahp)
    a_chg = 1.0 - jnp.exp(-(sim.Vth * sim.C_pulse_ahp / sim.Ipulse_ahp) / tau_ahp)
    a_gain = jnp.maximum(sim.Igain_ahp, io) / itau_ahp
    t_ref = sim.Vth * sim.C_ref / sim.Iref
    kp = kappa**2 / (kappa + 1.0)

    def body(c, x):
        iahp, imem, syn, rest, spk, timer, vmem = c
        w = x if w_rec is None else x + jnp.einsum("i,ijk->jk", spk, w_rec)
        syn = s_dec[:, None] * syn + s_chg[:, None] * jnp.maximum(
            s_gain[:, None] * (w * sim.Iscale[:, None]), io[:, None]
        )
        rest = s_dec * rest + s_chg * io
        iahp = jnp.maximum(a_dec * iahp + a_chg * (a_gain * (sim.Iw_ahp * spk)), io)
        gate = imem / (imem + sim.If_nmda)
        leak = itau_mem + iahp + (syn[:, 3] - rest)
        i_in = syn[:, 0] + gate * (syn[:, 2] - rest) - (syn[:, 1] - rest) - leak + sim.Idc
        i_in = jnp.maximum(jnp.where(timer > 0, 0.0, i_in), io)
        fb = io * jnp.exp(kp * (vmem / sim.Ut)) / leak * (imem + igain_mem)
        d = (imem / (ut_k * sim.C_mem / leak * (imem + igain_mem))) * (
            igain_mem / itau_mem * (i_in - leak) + fb - imem * (1.0 + iahp / itau_mem)
        )
        imem = jnp.maximum(imem + d * sim.dt, io)
        vmem = ut_k * jnp.log(imem / io)
        spk = jnp.maximum(jnp.ceil(jnp.log(imem / sim.Ispkthr)), 0.0)
        imem = jnp.where(spk > 0, io, imem)
        timer = jnp.where(spk > 0, t_ref, jnp.maximum(timer - sim.dt, 0.0))
        c = (iahp, imem, syn, rest, spk, timer, vmem)
        return c, (spk, imem, syn, iahp, vmem)

    zero = jnp.zeros_like(io)
    c0 = (io, io, jnp.broadcast_to(io[:, None], (N, 4)), io, zero, zero, zero)
    return jax.lax.scan(body, c0, x4)[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x = (rng.random((T, N)) < P_IN).astype(np.float32)
    x4 = np.zeros((T, N, 4), np.float32)
    x4[..., 0] = x
    w = rng.normal(0, 0.2, (N, N)).astype(np.float32)
    idc = rng.uniform(1e-11, 2e-10, N).astype(np.float32)
    params = dict(Idc=idc, Iw_ahp=1e-8)

    results = {}  # name -> (first s, warm s, spikes (T, N))
    for label, w_rec in [("ff", None), ("rec", w)]:
        sim = DynapSim(N, w_rec=w_rec, **params)
        out, first, warm = timed(lambda sim=sim: sim.evolve(x4), args.repeats)
        results[f"snnlab {label}"] = (first, warm, np.asarray(out[0]))
        w4 = None if w_rec is None else jnp.asarray(sim.w_rec)
        floor = jax.jit(lambda s, xx, w4=w4: floor_evolve(s, xx, w4))
        out, first, warm = timed(lambda f=floor, c=sim: f(c, jnp.asarray(x4)), args.repeats)
        results[f"hand-written scan {label}"] = (first, warm, np.asarray(out[0]))

    rockpool_note = "rockpool not importable"
    try:
        from rockpool.devices.dynapse import DynapSim as RockpoolDynapSim
    except Exception as err:  # optional comparison; rockpool's optional deps vary
        rockpool_note = f"rockpool not importable ({type(err).__name__})"
    else:
        rockpool_note = "rockpool 3.1 DynapSim"
        for label, w_rec in [("ff", None), ("rec", w)]:
            mod = RockpoolDynapSim(N, has_rec=w_rec is not None, w_rec=w_rec, **params)
            out, first, warm = timed(lambda m=mod: m.evolve(x[None]), max(5, args.repeats // 2))
            results[f"rockpool evolve {label}"] = (first, warm, np.asarray(out[0][0]))
            jitted = jax.jit(lambda m, xx: m.evolve(xx))
            out, first, warm = timed(lambda m=mod, f=jitted: f(m, x[None]), args.repeats)
            results[f"rockpool jit {label}"] = (first, warm, np.asarray(out[0][0]))

    device = f"{jax.devices()[0].platform} ({platform.processor() or platform.machine()})"
    print(f"W4 DynapSim {N} neurons x {T} steps, float32, {device}, {rockpool_note}\n")
    print("| workload | variant | first call (s) | warm median (ms) | vs floor | vs rockpool jit "
          "| raster = rockpool |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for name, (first, warm, spikes) in results.items():
        label = name.split()[-1]
        floor = results[f"hand-written scan {label}"][1]
        rp = results.get(f"rockpool jit {label}")
        vs_rp = f"{rp[1] / warm:.1f}x faster" if rp else "n/a"
        same = "n/a" if rp is None else ("yes" if np.array_equal(spikes, rp[2]) else "NO")
        print(
            f"| W4 {label} | {name} | {first:.2f} | {warm * 1e3:.1f} | {warm / floor:.2f}x "
            f"| {vs_rp} | {same} |"
        )


if __name__ == "__main__":
    main()
