"""The runs of the phase-plane lab: what a slider move or a click asks the shared
`RunScheduler` for, and how each result reaches the figure. A mixin of `PhasePlaneApp`
(it reads the app's settings on the event loop; the work itself reads only its arguments).
"""

from __future__ import annotations

import functools
import time

import numpy as np

from .. import analysis as an
from ._phase_compute import (
    MAX_TRAJECTORIES,
    PlaneSettings,
    plane_layers,
    run_trajectories,
    trajectory_columns,
)
from ._scheduler import Job


def _slow_work(model, s: PlaneSettings, fixed: bool, reset: bool, starts):
    """The slow layers: (fixed points or None, reset map or False if not redone,
    trajectories, their columns as drawn)."""
    kw = s.plane()
    fp = an.fixed_points(model, n_starts=6, **kw) if fixed else None
    rm = an.reset_map(model, n=60, **kw) if reset else False
    trajs = run_trajectories(model, starts, s)
    return fp, rm, trajs, trajectory_columns(model, trajs, s)


class PlaneRuns:
    """Redraws of the plane (fast layers first, slow ones as a second run) and
    trajectories, for `PhasePlaneApp`."""

    # ---- runs --------------------------------------------------------------------------

    def request_redraw(self) -> None:
        """Ask for a redraw with the newest values (coalesced by the scheduler)."""
        if not self._suspended:
            self.runs.request()

    def _prepare_plane(self) -> Job | None:
        model = self.build_model()
        s = self.settings()
        key = (self.model, tuple(sorted(self.params_of().values().items())), s)
        if key == self._plane_key:
            self.show_message(self._plane_note)  # valid values again (a window typed back)
            self._release_slow()
            return None
        variant = ("plane", self.model, s.x, s.y, s.others, an.bucket(s.grid**2), s.arrows)
        work = functools.partial(plane_layers, model, s)
        return Job(work, variant, (key, model, s, time.perf_counter()))

    def _present_plane(self, layers, job: Job) -> None:
        key, model, s, t0 = job.context
        if (s.x, s.y) != (self.view.x, self.view.y):
            return  # drawn for other axes; the run for the new ones is on its way
        self.field, self.nullclines, self.fixed = layers.field, layers.nullclines, layers.fixed
        self.view.send_plane(layers.arrows, layers.nullclines, layers.fixed)
        self.show_fixed(layers.fixed, s.x, s.y)
        self._plane_key, self._model, self._settings = key, model, s
        self.redraws += 1
        self.last_redraw_ms = (time.perf_counter() - t0) * 1e3
        self._plane_note = layers.note()
        self.show_message(self._plane_note)
        self._slow_held = False
        self.slow_runs.request()

    def _plane_report(self, text: str, kind: str = "warning") -> None:
        """The plane scheduler's messages (a failed or abandoned run): shown, and a slow
        run held back for the plane is let go."""
        self.show_message(text, kind)
        self._release_slow()

    def _release_slow(self) -> None:
        if self._slow_held:
            self._slow_held = False
            self.slow_runs.request()

    def _prepare_slow(self) -> Job | None:
        if self.runs.running or self.runs.pending:
            # a plane run for newer values is on its way: trajectories (a click's among
            # them) run after it, with its model, never with the values it replaces
            self._slow_held = True
            return None
        model, s = self._model, self._settings
        if model is None or s is None:
            return None
        values = self.params_of().values()
        reset_key = (self.model, tuple(sorted((k, v) for k, v in values.items() if k != "I_e")))
        reset_key += (s.x, s.y, s.others, s.xlim, s.ylim)
        # the reset map does not depend on the input current: redo it for other changes only
        need_reset = reset_key != self._reset_key
        need_fixed = self.fixed is None
        starts = list(self.starts)
        if not (need_reset or need_fixed or starts):
            return None
        work = functools.partial(_slow_work, model, s, need_fixed, need_reset, starts)
        variant = ("slow", self.model, s.x, s.y, need_fixed, need_reset, s.duration, s.dt)
        return Job(work, variant, (s, reset_key, starts))

    def _present_slow(self, result, job: Job) -> None:
        s, reset_key, starts = job.context
        if (s.x, s.y) != (self.view.x, self.view.y):
            return
        fp, rm, trajs, drawn = result
        if fp is not None:
            self.fixed = fp
            self.view.send_fixed(fp)
            self.show_fixed(fp, s.x, s.y)
        if rm is not False:
            self.reset, self._reset_key = rm, reset_key
            self.view.send_hybrid(rm)
        if starts and starts == self.starts:
            self.trajectories = trajs
            self._send_trajectories(drawn)

    # ---- trajectories ------------------------------------------------------------------

    def add_trajectory(self, x: float, y: float) -> an.Trajectory:
        """Start a trajectory at the plane point (x, y) (state units) and draw it at once.

        **Returns:** its `snnlab.analysis.Trajectory`.
        """
        if x is None or y is None or not np.isfinite([x, y]).all():
            raise ValueError(f"a trajectory needs a finite start, got ({x}, {y}).")
        self.starts = [*self.starts, (float(x), float(y))][-MAX_TRAJECTORIES:]
        model = self._model or self.build_model()
        self.trajectories = run_trajectories(model, self.starts, self.settings())
        self._send_trajectories()
        return self.trajectories[-1]

    def clear_trajectories(self) -> None:
        """Remove every trajectory from the plane and the trace."""
        self.starts, self.trajectories = [], []
        self._send_trajectories()

    def _send_trajectories(self, drawn=None) -> None:
        """Draw the kept trajectories (`drawn`: their `trajectory_columns`, if known)."""
        if drawn is None:
            drawn = trajectory_columns(self._model, self.trajectories, self.settings())
        paths, trace = drawn
        self.view.send_trajectories(paths, self.starts, trace)

    def _on_tap(self, x=None, y=None) -> None:
        if x is None or y is None or not np.isfinite([x, y]).all():
            return
        if not self.served():
            self._guarded(lambda: self.add_trajectory(x, y))
            return
        # served: keep the start now, integrate in a run (clicks meanwhile join it)
        self.starts = [*self.starts, (float(x), float(y))][-MAX_TRAJECTORIES:]
        self.slow_runs.request()

    def _guarded(self, fn) -> None:
        try:
            fn()
        except (ValueError, TypeError) as err:
            self.show_message(str(err), "danger")
