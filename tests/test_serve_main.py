"""How `snnlab serve` forks its workers (snnlab/serve/_main.py): the least-loaded
accepting, in one process with real sockets."""

import asyncio
import socket
import struct

import pytest

from snnlab.serve import _main as sm


@pytest.fixture
def balancer(monkeypatch):
    b = sm.Balancer(2)
    b.start(0)
    monkeypatch.setattr(sm, "_BALANCER", b)
    return b


def _other_worker_has(b, n):
    struct.pack_into("i", b.shared, 4, n)  # what worker 1 would publish


def test_connections_are_counted_until_closed(balancer):
    a, c = socket.socketpair()
    balancer.opened(a)
    assert balancer.loads() == (1, 0) and balancer.load == 1
    a.close()
    a.close()  # a second close is not counted twice
    assert balancer.loads() == (0, 0)
    c.close()


def test_a_worker_with_more_connections_defers_to_the_least_loaded(balancer):
    assert balancer.defer_seconds() == 0.0
    pairs = [socket.socketpair() for _ in range(3)]
    for a, _ in pairs:
        balancer.opened(a)
    _other_worker_has(balancer, 1)
    assert balancer.defer_seconds() == pytest.approx(0.04)  # 2 more: 20 ms each
    _other_worker_has(balancer, 0)
    assert balancer.defer_seconds() == pytest.approx(0.06)
    for _ in range(10):
        balancer.opened(socket.socketpair()[0])
    assert balancer.defer_seconds() == pytest.approx(0.1)  # at most 0.1 s
    _other_worker_has(balancer, 20)
    assert balancer.defer_seconds() == 0.0


def _accept_within(balancer, other_load: float, window: float) -> int:
    """Connections accepted by this worker within `window` s of a client connecting."""
    accepted = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    _other_worker_has(balancer, other_load)

    async def scenario():
        remove = sm.balanced_accept_handler(server, lambda conn, addr: accepted.append(conn))
        client = socket.create_connection(server.getsockname())
        await asyncio.sleep(window)
        remove()
        client.close()

    asyncio.run(scenario())
    server.close()
    for conn in accepted:
        conn.close()
    return len(accepted)


def test_the_accept_handler_takes_a_connection_at_once_when_least_loaded(balancer):
    assert _accept_within(balancer, other_load=0, window=0.02) == 1


def test_the_accept_handler_leaves_a_connection_a_moment_then_takes_it(balancer):
    for _ in range(5):
        balancer.opened(socket.socketpair()[0])
    assert _accept_within(balancer, other_load=0, window=0.03) == 0  # waits 0.1 s ...
    assert _accept_within(balancer, other_load=0, window=0.3) == 1  # ... then takes it


def test_the_worker_count_is_read_from_the_command_line():
    assert sm._num_procs(["serve", "a.py", "--num-procs", "3"]) == 3
    assert sm._num_procs(["serve", "--num-procs=2"]) == 2
    assert sm._num_procs(["serve", "a.py"]) == 1
