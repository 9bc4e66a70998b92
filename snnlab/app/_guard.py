"""Guards for serving a class: resource caps, input validation, work off the event loop.

A served app must survive thirty students at once: odd values typed into fields, files
that are not what they claim, links edited by hand, runs too large for the machine.
This module holds what every app needs for that, without panel-specific layout:

- `Limits`: configurable caps (neurons x steps, upload bytes, run seconds, sessions),
  read from `SNNLAB_*` environment variables that `snnlab serve` sets from its options.
- `check_run`, `finite_number`, `read_json_upload`, `read_query_value`, `escape`:
  validation that raises `ValueError` with a message fit for the page, before any work.
- `submit`: run a function on a small shared thread pool, so that a JAX run never blocks
  the server's event loop (XLA releases the GIL, so other sessions keep being served).

Nothing here holds per-session data. The only process-wide object is the thread pool;
the process-wide hooks of a server (session limit, memory) are in `snnlab.serve`.
"""

from __future__ import annotations

import dataclasses
import html
import json
import logging
import math
import os
import threading
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

_ENV = {
    "max_cells": ("SNNLAB_MAX_CELLS", int),
    "max_neurons": ("SNNLAB_MAX_NEURONS", int),
    "max_steps": ("SNNLAB_MAX_STEPS", int),
    "max_upload_bytes": ("SNNLAB_MAX_UPLOAD_BYTES", int),
    "max_run_seconds": ("SNNLAB_MAX_RUN_SECONDS", float),
    "max_sessions": ("SNNLAB_MAX_SESSIONS", int),
    "max_list_items": ("SNNLAB_MAX_LIST_ITEMS", int),
    "workers": ("SNNLAB_WORKERS", int),
    "inline_ms": ("SNNLAB_INLINE_MS", float),
    "recycle_growth": ("SNNLAB_RECYCLE_GROWTH", float),
}


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource caps of a served app, enforced before work starts.

    **Fields:**

    - `max_cells`: largest neurons x time steps of one run (memory and time of a run);
      2e7 lets 1000 neurons run for 1 s at dt = 0.1 ms (about 0.2 GB recorded).
    - `max_neurons`, `max_steps`: largest population and number of time steps.
    - `max_upload_bytes`: largest uploaded file (bytes).
    - `max_run_seconds`: wall-clock time after which a run is given up and its session
      released (s); its result, if it ever comes, is discarded.
    - `max_sessions`: live sessions per server process; a new browser past it gets a
      "server full" page.
    - `max_list_items`: longest list typed into a field (e.g. spike times).
    - `workers`: threads that run simulations (shared by the sessions of a process).
    - `inline_ms`: a run whose compiled variant was measured to take at most this many
      milliseconds runs on the event loop, saving the two hops to the pool and back;
      other runs (and the first run of a variant, which compiles) go to the pool
      (`snnlab.app._scheduler`), except that a variant timed only on the pool (where a
      run waits for the interpreter lock) at most 3 x `inline_ms` is timed once on the
      event loop. 5 ms: the Explorer's default run takes 1.5 ms alone
      but 2.5-3.5 ms in a served process idle between moves (JAX's threads wake up),
      and a bound of 3 ms sent it to the pool, ~5 ms later on the page.
    - `recycle_growth`: under `--num-procs`, a worker whose resident memory, once all
      its sessions have gone, is more than this fraction above its warm, empty size is
      replaced by a fresh one (see `snnlab.serve`).
    """

    max_cells: int = 20_000_000
    max_neurons: int = 5_000
    max_steps: int = 1_000_000
    max_upload_bytes: int = 1_048_576
    max_run_seconds: float = 30.0
    max_sessions: int = 100
    max_list_items: int = 10_000
    workers: int = 2
    inline_ms: float = 5.0
    recycle_growth: float = 0.10

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Limits:
        """The defaults, overridden by `SNNLAB_MAX_CELLS`, `SNNLAB_MAX_NEURONS`, ...

        **Raises:** `ValueError` naming the variable for a value that is not a positive
        number.
        """
        environ = os.environ if environ is None else environ
        values = {}
        for field, (var, kind) in _ENV.items():
            text = environ.get(var)
            if text is None or text == "":
                continue
            try:
                value = kind(text)
            except ValueError:
                raise ValueError(f"{var}={text!r} is not a number.") from None
            if not (value > 0 and math.isfinite(value)):
                raise ValueError(f"{var}={text!r} must be a positive finite number.")
            values[field] = value
        return cls(**values)

    def env(self) -> dict[str, str]:
        """These limits as `SNNLAB_*` environment variables (what `snnlab serve` exports)."""
        return {var: str(getattr(self, f)) for f, (var, _) in _ENV.items()}


def limits() -> Limits:
    """The limits in force in this process (read from the environment on each call)."""
    return Limits.from_env()


# ---- validation -----------------------------------------------------------------------


def finite_number(name: str, value: Any, lo: float | None = None, hi: float | None = None):
    """`value` as a float, checked finite and within `[lo, hi]`.

    **Raises:** `ValueError` naming `name` for text, NaN, inf or a value out of range.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{name} must be a number, got {type(value).__name__}.")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be a number, got {str(value)[:40]!r}.") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {number}.")
    if lo is not None and number < lo:
        raise ValueError(f"{name} must be at least {lo:g}, got {number:g}.")
    if hi is not None and number > hi:
        raise ValueError(f"{name} must be at most {hi:g}, got {number:g}.")
    return number


def check_run(size: Any, duration: Any, dt: Any, caps: Limits | None = None) -> int:
    """Check a run's size against the caps before any work starts.

    **Returns:** the number of time steps.

    **Raises:** `ValueError` saying which cap a run of `size` neurons for `duration` ms at
    `dt` ms would pass, and how to get under it.
    """
    caps = caps or limits()
    size = finite_number("neurons", size, 1)
    duration = finite_number("duration", duration)
    dt = finite_number("dt", dt)
    if duration <= 0 or dt <= 0:
        raise ValueError("duration and dt must be > 0 ms.")
    ratio = duration / dt
    if not math.isfinite(ratio) or ratio > caps.max_steps:
        raise ValueError(
            f"duration {duration:g} ms / dt {dt:g} ms is more time steps than this server "
            f"allows ({caps.max_steps}); use a shorter duration or a larger dt."
        )
    steps = max(1, math.ceil(ratio))
    if size > caps.max_neurons:
        raise ValueError(
            f"{size:.0f} neurons is more than this server allows ({caps.max_neurons}); "
            "use fewer neurons."
        )
    if steps > caps.max_steps:
        raise ValueError(
            f"{steps} time steps (duration {duration:g} ms / dt {dt:g} ms) is more than this "
            f"server allows ({caps.max_steps}); use a shorter duration or a larger dt."
        )
    if size * steps > caps.max_cells:
        raise ValueError(
            f"{size:.0f} neurons x {steps} steps = {size * steps:.3g} is more than this server "
            f"allows ({caps.max_cells:.3g}); use fewer neurons, a shorter duration or a "
            "larger dt."
        )
    return steps


def check_list(name: str, values: Any, caps: Limits | None = None) -> list:
    """A list typed into a field: at most `max_list_items` finite numbers (nested once)."""
    caps = caps or limits()
    if not isinstance(values, (list, tuple)):
        raise ValueError(f"{name} must be a list of numbers.")
    flat = [v for item in values for v in (item if isinstance(item, (list, tuple)) else [item])]
    if len(flat) > caps.max_list_items:
        raise ValueError(f"{name} has {len(flat)} entries; the limit is {caps.max_list_items}.")
    for v in flat:
        finite_number(name, v)
    return list(values)


def apply_values(obj, values: Any) -> list[str]:
    """Set a `snnlab.params` object from client data; never raises.

    Each value is checked (a finite number within the parameter's bounds, or a list of
    them for a per-channel parameter) before anything is set; then the model is built to
    catch impossible combinations (`problems()`).

    **Returns:** messages for the page (empty when the values were taken).
    """
    if not isinstance(values, dict):
        return ["the values must be a JSON object of parameter names and numbers."]
    name = type(obj).__name__
    messages = []
    for key, value in values.items():
        label = f"{name}.{str(key)[:40]}"
        try:
            if key in getattr(obj, "channels", {}) or isinstance(value, (list, tuple)):
                check_list(label, value if isinstance(value, (list, tuple)) else [value])
            elif key == "size":
                finite_number(label, value, 1)
            elif value is None:
                continue
            else:
                p = obj.param[key] if key in obj.param and key != "name" else None
                if p is None:
                    raise ValueError(f"{name} has no parameter {str(key)[:40]!r}.")
                if not hasattr(p, "bounds"):
                    continue  # a selector: param checks it on set
                lo, hi = p.bounds or (None, None)
                finite_number(label, value, lo, hi)
        except ValueError as err:
            messages.append(str(err))
    if messages:
        return messages
    try:
        obj.set_values(values)
    except (ValueError, TypeError, KeyError) as err:
        return [str(err)]
    try:
        return list(obj.problems())
    except Exception as err:  # noqa: BLE001 - a model's own check must not escape
        return [f"{type(err).__name__}: {err}"]


_PICKLE_MARKS = (b"\x80", b"(dp", b"(lp", b"cos\n", b"c__builtin__")


def read_json_upload(data: Any, caps: Limits | None = None) -> dict[str, Any]:
    """Parse an uploaded parameter file: JSON text only, within the upload cap.

    Never unpickles, evaluates or writes the data to a path: the bytes are decoded as
    UTF-8 and parsed by `json.loads`.

    **Raises:** `ValueError` for a file too large, binary (e.g. a pickle), not UTF-8, not
    valid JSON, too deeply nested, or not a JSON object.
    """
    caps = caps or limits()
    if isinstance(data, str):
        data = data.encode("utf-8", errors="replace")
    if not isinstance(data, (bytes, bytearray)):
        raise ValueError("the upload is not a file.")
    if len(data) > caps.max_upload_bytes:
        raise ValueError(
            f"the file is {len(data)} bytes; the limit is {caps.max_upload_bytes} bytes."
        )
    head = bytes(data[:16]).lstrip()
    if head.startswith(_PICKLE_MARKS) or b"\x00" in data[:4096]:
        raise ValueError(
            "the file is binary (a pickle or similar), not a JSON parameter file; "
            "binary uploads are never loaded."
        )
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("the file is not UTF-8 text; expected a JSON parameter file.") from None
    return _loads_object(text, "the parameter file")


def _loads_object(text: str, what: str) -> Any:
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError(f"{what} is nested too deeply.") from None
    except ValueError as err:
        raise ValueError(f"{what} is not valid JSON: {err}") from None
    if what == "the parameter file" and not isinstance(value, dict):
        raise ValueError(f"{what} must be a JSON object with a 'model' entry.")
    return value


def read_query_value(name: str, text: Any, caps: Limits | None = None) -> Any:
    """A JSON value from a URL parameter (a number, null, a short list), size-checked."""
    caps = caps or limits()
    if not isinstance(text, str):
        raise ValueError(f"URL parameter {name} is not text.")
    if len(text) > 16 * caps.max_list_items + 64:
        raise ValueError(f"URL parameter {name} is too long ({len(text)} characters).")
    value = _loads_object(text, f"URL parameter {name}")
    if isinstance(value, (list, tuple)):
        check_list(name, value, caps)
    elif value is not None and not isinstance(value, (int, float)):
        raise ValueError(f"URL parameter {name} must be a number, got {text[:40]!r}.")
    return value


def escape(text: Any) -> str:
    """`text` as HTML-safe text (user input never becomes markup in the page)."""
    return html.escape(str(text), quote=True)


# ---- work off the event loop -------------------------------------------------------------

_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def executor() -> ThreadPoolExecutor:
    """The process's simulation thread pool (`Limits.workers` threads, created once)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=limits().workers, thread_name_prefix="snnlab")
        return _POOL


def submit(fn, /, *args, **kwargs) -> Future:
    """Run `fn(*args, **kwargs)` on the simulation thread pool; returns its `Future`."""
    return executor().submit(fn, *args, **kwargs)


def in_server() -> bool:
    """True inside a Bokeh server session (a served app), False in scripts and notebooks."""
    import panel as pn

    doc = pn.state.curdoc
    return bool(doc is not None and doc.session_context is not None)


def in_session(doc, fn, /, *args):
    """`fn(*args)` wrapped to run with `doc` as Panel's current document, its exceptions
    going to the session's exception handler (shown and logged, the session lives on).

    The changes `fn` makes to the page reach the browser in one message (Panel's
    `unlocked`): Bokeh alone sends one per change, and serializes each against every
    model of the page (a slider move changes about ten properties).
    """
    from panel.io.document import unlocked
    from panel.io.state import set_curdoc, state

    def callback():
        try:
            with set_curdoc(doc), unlocked():
                return fn(*args)
        except Exception as exc:  # noqa: BLE001 - reported, never fatal
            with set_curdoc(doc):
                state._handle_exception(exc)

    return callback


def weak_handler(method):
    """A function calling the bound `method` while its object lives, without keeping the
    object alive (it only logs once the object is gone). For callbacks stored where a
    strong reference would leak, e.g. `pn.config.exception_handler` inside a session."""
    ref = weakref.WeakMethod(method)

    def handler(*args, **kwargs):
        target = ref()
        if target is None:
            logging.getLogger("snnlab.app").error(
                "callback error after its page closed: %s", args[:1]
            )
            return None
        return target(*args, **kwargs)

    return handler


def call_soon_in_session(doc, fn, /, *args) -> None:
    """From any thread, run `fn(*args)` on the event loop with `doc` locked and current."""
    doc.add_next_tick_callback(in_session(doc, fn, *args))


def call_later_in_session(doc, ms: int, fn, /, *args) -> None:
    """Run `fn(*args)` on the event loop after `ms` milliseconds, `doc` locked and current."""
    doc.add_timeout_callback(in_session(doc, fn, *args), ms)


__all__ = [
    "Limits",
    "apply_values",
    "call_later_in_session",
    "call_soon_in_session",
    "check_list",
    "check_run",
    "escape",
    "executor",
    "finite_number",
    "in_server",
    "in_session",
    "limits",
    "read_json_upload",
    "read_query_value",
    "submit",
]
