"""Panel's `serve` command as `snnlab serve` runs it (this file is copied beside the index
page and run by its path: the parent process then never imports snnlab or JAX).

Three changes to how Tornado forks the `--num-procs` workers:

- **A listening socket per worker** (Linux). Tornado's workers share one listening
  socket, and whichever worker is awake first takes the next connection: measured, a
  class of 30 often ended up 28/2 or 30/0 on two workers, the busy one answering every
  slider late. Here each worker listens on a socket of its own, all bound to the port
  with `SO_REUSEPORT`, and the kernel spreads new connections over them by a hash of
  the client's address and port. A worker that stops listening (replaced, or killed)
  leaves the group; its replacement joins it.
- **More restarts.** Tornado's parent restarts a worker that exits with a non-zero status
  but gives the whole server up after 100 restarts. A worker replaced for its memory
  (`snnlab.app._server_memory.Recycler`) is such a restart, a few a day on a classroom
  server, so the limit is `MAX_RESTARTS`; a worker that crashes at every start still
  ends the server, later.
- **Workers die with the parent.** Stopping `snnlab serve` (SIGTERM to its process)
  otherwise left the workers running and holding the port.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import sys

MAX_RESTARTS = 1000
"""Worker restarts after which Tornado's parent gives the server up (Tornado's own: 100)."""


class PortPerWorker:
    """Bind the server's sockets with `SO_REUSEPORT`; in the parent, close them before
    forking; in each worker, open and bind a socket of its own in their place."""

    def __init__(self):
        self.socket_lists: list[list[socket.socket]] = []
        self.addresses: list[list[tuple]] = []

    def bind(self, bind_sockets):
        """Wrap Tornado's `bind_sockets` (Bokeh's server calls it once, before forking)."""

        def bind_reusable(*args, **kwargs):
            kwargs["reuse_port"] = True
            sockets = bind_sockets(*args, **kwargs)
            self.socket_lists.append(sockets)  # the very list Bokeh hands to add_sockets
            return sockets

        return bind_reusable

    def before_fork(self) -> None:
        """In the parent: remember each socket's address, then close it (a socket left
        open in the parent would get its share of connections and never accept them)."""
        self.addresses = [[(s.family, s.getsockname()) for s in ss] for ss in self.socket_lists]
        for sockets in self.socket_lists:
            for s in sockets:
                s.close()

    def in_worker(self) -> None:
        """In a worker: a fresh listening socket on each remembered address."""
        for sockets, addresses in zip(self.socket_lists, self.addresses, strict=True):
            for i, (family, address) in enumerate(addresses):
                sockets[i] = _listening_socket(family, address)


def _listening_socket(family, address) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sock.setblocking(False)
    sock.bind(address)
    sock.listen(128)
    return sock


def main() -> int:
    """Run `panel` with the arguments of this process, with the changes above."""
    import tornado.netutil
    import tornado.process

    fork_processes = tornado.process.fork_processes
    # one process keeps a plain socket: a second server started on its port by mistake
    # then fails with "address in use" instead of silently taking half the students
    forking = _num_procs(sys.argv) != 1
    ports = PortPerWorker() if forking and sys.platform.startswith("linux") else None
    if ports is not None:
        tornado.netutil.bind_sockets = ports.bind(tornado.netutil.bind_sockets)

    def fork_workers(num_processes, max_restarts=None):
        if max_restarts is None:
            max_restarts = MAX_RESTARTS
        parent = os.getpid()
        if ports is not None:
            ports.before_fork()
        task_id = fork_processes(num_processes, max_restarts=max_restarts)
        # only workers get here (the parent waits on them, then exits)
        die_with_parent(parent)
        if ports is not None:
            ports.in_worker()
        return task_id

    tornado.process.fork_processes = fork_workers
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
    """Have Linux send this process SIGTERM when `parent` dies (at once if it has)."""
    try:
        ctypes.CDLL("libc.so.6").prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux with glibc: workers may outlive the server
        return
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)


if __name__ == "__main__":
    raise SystemExit(main())
