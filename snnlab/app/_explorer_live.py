"""The Explorer's Live mode: an oscilloscope that keeps simulating in chunks.

Each chunk of `chunk` ms continues from the last state (the stepped engine's whole
carry, so the chunks are one long run bit for bit); slider changes act on the running
neuron. Served, a periodic callback submits one chunk at a time to the thread pool and
skips a tick while the previous chunk still runs.
"""

from __future__ import annotations

import numpy as np
import panel as pn

from .. import params as sp
from .. import viz
from . import _guard as guard
from ._explorer_runs import simulate_quietly
from ._explorer_views import TABS

SCOPE_WINDOW_MS = 500.0
"""Simulated time the Live oscilloscope shows (ms)."""


class LiveMode:
    """The oscilloscope of the Explorer (a part of `Explorer`)."""

    def step_live(self, n: int = 1) -> None:
        """Simulate `n` more chunks of `chunk` ms from the last state into the oscilloscope.

        Served, each call (the periodic callback) submits one chunk to the thread pool and
        skips while the previous chunk is still running.
        """
        if self._doc is not None:
            if self._live_busy or self._closed:
                return
            job = self._live_job()
            if job is None:
                return
            self._live_busy = True
            doc = self._doc

            def done(f):
                if not f.cancelled() and not self._closed:
                    guard.call_soon_in_session(doc, self._live_done, f, job[0])

            guard.submit(simulate_quietly, *job).add_done_callback(done)
            return
        for _ in range(n):
            job = self._live_job()
            if job is None:
                return
            try:
                res = simulate_quietly(*job)
            except Exception as err:  # noqa: BLE001 - the oscilloscope keeps running
                self._show(str(err), "danger")
                return
            self._live_apply(res, job[0])

    def _live_job(self):
        try:
            guard.check_run(self.size, self.chunk, self.dt)
            model, connections = self.build()
            kw = self.simulate_kwargs()
            kw["duration"] = float(self.chunk)
            if self.engine == "stepped":
                # the engine's whole state (refractory counters and input generators too)
                # carries over: the chunks are one long run, bit for bit
                kw["initial_state"] = self._live_final
            else:
                # the event engine starts each chunk from the model's last sample
                kw["seed"] = int(self.seed) + self._live_chunks
                if self._live_state is not None:
                    try:
                        model = sp.resume_from(model, self._live_state)
                    except ValueError:
                        pass  # a model without a state to resume restarts each chunk
        except Exception as err:  # noqa: BLE001 - the oscilloscope keeps running
            self._show(str(err), "danger")
            return None
        return model, connections, kw

    def _live_done(self, future, model) -> None:
        self._live_busy = False
        if self._closed or not self.live:
            return
        try:
            res = future.result()
        except Exception as err:  # noqa: BLE001 - the oscilloscope keeps running
            self._show(str(err), "danger")
            return
        self._live_apply(res, model)

    def _live_apply(self, res, model) -> None:
        if res.diverged:
            self._show("the live run diverged; it restarts from the initial state.", "warning")
            self._live_state = None
            self._live_final = None
        else:
            self._live_final = getattr(res, "final_state", None)
            if all(n_ in res.state_names for n_ in model.state_names) and len(res.t):
                self._live_state = np.stack([res[s][-1] for s in model.state_names], axis=1)
        state = self.view_state if self.view_state in res.state_names else res.state_names[0]
        rows, marks = viz.scope_chunk(res, self._live_clock, state, 0, self._threshold())
        unit = res.units.get(state, "")
        self.scope.append(rows, marks, f"{state} ({unit})" if unit else state)
        self._live_clock += float(self.chunk)
        self._live_chunks += 1
        n = int(np.sum(res.spike_ids == 0)) if len(res.spike_ids) else 0
        self.stats.object = (
            f"**live**: t = {self._live_clock / 1000:.2f} s, neuron 0 fired {n} "
            f"spike{'s' if n != 1 else ''} in the last {float(self.chunk):g} ms "
            f"({1000.0 * n / float(self.chunk):.3g} Hz)"
        )

    def reset_live(self) -> None:
        """Start the oscilloscope over from the model's initial state at t = 0."""
        self._live_state = None
        self._live_final = None
        self._live_clock = 0.0
        self._live_chunks = 0
        # the scope shows the last SCOPE_WINDOW_MS: older samples scroll out, so the
        # trace never piles up into a solid block
        self.scope.clear(max(100, int(SCOPE_WINDOW_MS / float(self.dt))))

    def _toggle_live(self):
        if self.live:
            self.reset_live()
            if self._doc is not None:
                self._live_cb = pn.state.add_periodic_callback(self.step_live, period=self.period)
            self.tabs.active = TABS.index("Live")
        elif self._live_cb is not None:
            self._live_cb.stop()
            self._live_cb = None

    def _set_period(self):
        if self._live_cb is not None:
            self._live_cb.period = self.period
