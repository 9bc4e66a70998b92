"""Panel's `serve` command as `snnlab serve` runs it (this file is copied beside the index
page and run by its path: the parent process then never imports snnlab or JAX).

Two changes to how Tornado forks the `--num-procs` workers:

- Tornado's parent process restarts a worker that exits with a non-zero status, but gives
  the whole server up after 100 restarts. A worker replaced for its memory
  (`snnlab.app._server_memory.Recycler`) is such a restart, a few a day on a classroom
  server, so the limit is raised to `MAX_RESTARTS`; a worker that crashes at every start
  still ends the server, later.
- Every worker, restarted ones included, asks Linux to stop it when the parent dies:
  stopping `snnlab serve` (SIGTERM to its process) otherwise leaves the workers running
  and holding the port.
"""

from __future__ import annotations

import ctypes
import os
import signal

MAX_RESTARTS = 1000
"""Worker restarts after which Tornado's parent gives the server up (Tornado's own: 100)."""


def main() -> int:
    """Run `panel` with the arguments of this process, `MAX_RESTARTS` in force."""
    import tornado.process

    fork_processes = tornado.process.fork_processes

    def fork_with_more_restarts(num_processes, max_restarts=None):
        if max_restarts is None:
            max_restarts = MAX_RESTARTS
        parent = os.getpid()
        task_id = fork_processes(num_processes, max_restarts=max_restarts)
        die_with_parent(parent)  # only workers return from fork_processes
        return task_id

    tornado.process.fork_processes = fork_with_more_restarts
    from panel.command import main as panel_main

    return panel_main() or 0


def die_with_parent(parent: int) -> None:
    """Have Linux send this process SIGTERM when `parent` dies (at once if it has)."""
    try:
        ctypes.CDLL("libc.so.6").prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux with glibc: workers may outlive the server
        return
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)


if __name__ == "__main__":
    raise SystemExit(main())
