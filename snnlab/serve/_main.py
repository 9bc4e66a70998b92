"""Panel's `serve` command as `snnlab serve` runs it (this file is copied beside the index
page as `snnlab_serve_main.py`, with `_private.py` as `snnlab_serve_private.py`, and run by
its path: the parent process then never imports snnlab or JAX).

Three changes to how Tornado forks the `--num-procs` workers:

- **Least-loaded accepting.** Tornado's workers share one listening socket and whichever
  is awake first takes every waiting connection: measured, a class of 30 often ended
  up 28/2 or 30/0 on two workers (and 21/9 with the kernel's `SO_REUSEPORT` hash), the
  busy worker answering every slider late. Here each worker counts its open
  connections in memory shared with the others (`Balancer`) and accepts one
  connection per wake-up; a worker holding more connections than the least loaded
  one waits a little (20 ms per connection of excess, at most 0.1 s) before it
  tries, so the least loaded worker gets the next student unless it is busy.
- **More restarts.** Tornado's parent restarts a worker that exits with a non-zero status
  but gives the whole server up after 100 restarts. A worker replaced for its memory
  (`snnlab.serve._memory.Recycler`) is such a restart, a few a day on a classroom
  server, so the limit is `MAX_RESTARTS`; a worker that crashes at every start still
  ends the server, later.
- **Workers die with the parent.** Stopping `snnlab serve` (SIGTERM to its process)
  otherwise left the workers running and holding the port. They get SIGKILL: Bokeh
  handles SIGTERM on the worker's event loop, which a worker busy warming up or
  compiling reaches only seconds later (measured: more than 15 s on a loaded machine),
  and a worker without its parent has nothing left to finish.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import signal
import socket
import struct
import sys

if __package__:
    from . import _private
else:  # run by its path, beside its copy of _private.py
    import snnlab_serve_private as _private

MAX_RESTARTS = 1000
"""Worker restarts after which Tornado's parent gives the server up (Tornado's own: 100)."""


class Balancer:
    """Open connections of each worker, in memory shared by all (created before the
    fork); each worker writes only its own slot."""

    def __init__(self, workers: int):
        self.workers = workers
        self.shared = mmap.mmap(-1, 4 * workers)
        self.slot = 0
        self.load = 0

    def start(self, slot: int) -> None:
        """In a worker (a replacement too): take `slot` and start from no connection."""
        self.slot, self.load = slot, 0
        self._publish()

    def loads(self) -> tuple[int, ...]:
        """Every worker's open connections (a dead worker's last count until replaced)."""
        return struct.unpack_from(f"{self.workers}i", self.shared, 0)

    def opened(self, connection: socket.socket) -> None:
        """Count an accepted connection until it is closed."""
        self.load += 1
        self._publish()
        connection.__class__ = _CountedSocket

    def closed(self) -> None:
        """A counted connection was closed."""
        self.load = max(0, self.load - 1)
        self._publish()

    def defer_seconds(self) -> float:
        """How long to leave a waiting connection to less loaded workers."""
        excess = self.load - min(self.loads())
        return min(0.1, 0.02 * excess) if excess > 0 else 0.0

    def _publish(self) -> None:
        struct.pack_into("i", self.shared, 4 * self.slot, self.load)


_BALANCER: Balancer | None = None


class _CountedSocket(socket.socket):
    """An accepted connection whose closing the balancer counts."""

    __slots__ = ()

    def close(self):
        if self.fileno() != -1 and _BALANCER is not None:
            _BALANCER.closed()
        super().close()


def balanced_accept_handler(sock: socket.socket, callback):
    """Tornado's `add_accept_handler`, accepting one connection per wake-up and leaving
    it to less loaded workers for a moment (see `Balancer.defer_seconds`)."""
    from tornado.ioloop import IOLoop

    io_loop = IOLoop.current()
    state = {"removed": False, "paused": False}

    def accept_one():
        try:
            connection, address = sock.accept()
        except (BlockingIOError, ConnectionAbortedError):
            return  # none waiting, or another worker took it
        if _BALANCER is not None:
            _BALANCER.opened(connection)
        callback(connection, address)

    def resume():  # after deferring: take the connection if it is still waiting
        state["paused"] = False
        if not state["removed"]:
            io_loop.add_handler(sock, on_readable, IOLoop.READ)
            accept_one()

    def on_readable(fd, events):
        if state["removed"] or state["paused"]:
            return
        wait = _BALANCER.defer_seconds() if _BALANCER is not None else 0.0
        if wait > 0:
            state["paused"] = True
            io_loop.remove_handler(sock)
            io_loop.call_later(wait, resume)
            return
        accept_one()

    def remove():
        if not state["paused"]:
            io_loop.remove_handler(sock)
        state["removed"] = True

    io_loop.add_handler(sock, on_readable, IOLoop.READ)
    return remove


def main() -> int:
    """Run `panel` with the arguments of this process, with the changes above."""
    global _BALANCER
    workers = _num_procs(sys.argv) or os.cpu_count() or 1
    if workers != 1:
        _BALANCER = Balancer(workers)
        _private.patch_accept_handler(balanced_accept_handler)

    def wrap(fork_processes):
        def fork_workers(num_processes, max_restarts=None):
            if max_restarts is None:
                max_restarts = MAX_RESTARTS
            parent = os.getpid()
            task_id = fork_processes(num_processes, max_restarts=max_restarts)
            # only workers get here (the parent waits on them, then exits)
            die_with_parent(parent)
            if _BALANCER is not None:
                _BALANCER.start(task_id)
            return task_id

        return fork_workers

    _private.wrap_fork_processes(wrap)
    from panel.command import main as panel_main

    return panel_main() or 0


def _num_procs(argv: list[str]) -> int:
    for i, arg in enumerate(argv):
        if arg == "--num-procs" and i + 1 < len(argv):
            return int(argv[i + 1])
        if arg.startswith("--num-procs="):
            return int(arg.split("=", 1)[1])
    return 1


def die_with_parent(parent: int) -> None:
    """Have Linux kill this process (SIGKILL) when `parent` dies (at once if it has)."""
    try:
        ctypes.CDLL("libc.so.6").prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux with glibc: workers may outlive the server
        return
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    raise SystemExit(main())
