"""Load test of `snnlab serve`: N concurrent sessions moving sliders, loopback only.

    python bench/load_test.py       # 2 classes of N = 30 sessions, 8 moves each
    python bench/load_test.py --sessions 4 --moves 3 --rounds 1 --no-write

Starts `snnlab serve --num-procs 2` (one process per core of the project machine, as
the README's classroom example) on a free 127.0.0.1 port (or uses `--url`, which must be
a loopback address). Each "class" (`--rounds` of them, one after the other) opens N
sessions the way a browser does (GET the app page, which creates the
session and embeds its token, then the Bokeh websocket), and in each session moves the
Explorer's `I_e` slider to values of its own. It measures, per move, the time from
sending the slider's new value to receiving the new voltage data (slider-to-data
latency), checks that each session's page state (its URL) carries its own value and
never another session's, and reads the server's resident memory (RSS, summed over its
processes) before the first class and after each class has left. The second class shows
whether memory grows per closed session (CPython keeps the arenas of the first class's
peak; a leak would grow again).

Bounded in count (N sessions x `--moves` moves) and time (`--deadline` s overall; each
wait has its own timeout); it stops the server it started. Writes a Markdown section to
stdout and into bench/results.md, between its own markers (bench/run.py keeps them).

The client speaks Bokeh's websocket protocol directly (tornado), reading only message
headers, the pulled document's model ids and the patch events it needs, so that thirty
clients fit beside the server on a 2-core machine; `bokeh.client` cannot decode Panel's
custom models and runs one blocking loop per session.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime
import gc
import json
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.md"
SLIDER = "I_e (pA)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _check_loopback(url: str) -> None:
    host = urlparse(url).hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        raise SystemExit(f"load_test: {url} is not a loopback address; refusing to load it.")


class Server:
    """`snnlab serve` on a free loopback port, as a context manager."""

    def __init__(self, *extra: str, timeout: float = 120.0, cmd: list[str] | None = None):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        if cmd is None:
            cmd = [sys.executable, "-m", "snnlab", "serve", "--address", "127.0.0.1"]
        self.cmd = [*cmd, "--port", str(self.port), *extra]
        self.timeout = timeout
        self.proc: subprocess.Popen | None = None
        # the server's output goes to a file: a pipe nobody reads fills up (64 KiB of
        # request logs) and then blocks the server mid-write
        path = os.environ.get("SNNLAB_LOAD_TEST_LOG")
        self.log = open(path, "w+b") if path else tempfile.TemporaryFile()  # noqa: SIM115

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                urllib.request.urlopen(self.url + "/", timeout=2).read()
                return self
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"the server did not start:\n{self.output()}") from None
                time.sleep(0.3)

    def output(self, limit: int = 3000) -> str:
        """The last `limit` characters the server printed."""
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-limit:]

    def count(self, text: str) -> int:
        """How often `text` occurs in all the server printed so far."""
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace").count(text)

    def pids(self) -> list[int]:
        """The server's process and its children (the --num-procs workers)."""
        if self.proc is None:
            return []
        return [self.proc.pid, *children(self.proc.pid)]

    def rss_mb(self) -> float:
        """Resident memory of the server's processes, summed (MiB)."""
        return sum(rss_mb(p) for p in self.pids())

    def stop(self) -> None:
        """Terminate the server (and its workers) and wait for it."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def __exit__(self, *exc) -> None:
        self.stop()
        self.log.close()


class External:
    """An already running server at a loopback `url` (its memory is read by its port)."""

    def __init__(self, url: str):
        _check_loopback(url)
        self.url = url.rstrip("/")
        self.port = urlparse(url).port

    def __enter__(self) -> External:
        return self

    def count(self, text: str) -> int | None:
        """Unknown for a server whose output this script does not hold."""
        return None

    def __exit__(self, *exc) -> None:
        pass

    def pids(self) -> list[int]:
        """The process listening on the port and its children (from `ss`), else none."""
        try:
            out = subprocess.run(
                ["ss", "-Hltnp", f"sport = :{self.port}"], capture_output=True, text=True
            ).stdout
        except OSError:
            return []
        found = [int(x) for x in re.findall(r"pid=(\d+)", out)]
        return [p for pid in dict.fromkeys(found) for p in (pid, *children(pid))]

    def rss_mb(self) -> float:
        """Resident memory of the server's processes, summed (MiB)."""
        return sum(rss_mb(p) for p in self.pids())


def children(pid: int) -> list[int]:
    """Child process ids of `pid` (from /proc)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by `pid` (s; 0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident set size of `pid` in MiB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def connections_by_pid(port: int, pids: list[int]) -> dict[int, int]:
    """Established TCP connections to local `port` held by each of `pids` (from /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            f = row.split()
            if f[3] == "01" and int(f[1].rsplit(":", 1)[1], 16) == port:  # ESTABLISHED
                inodes.add(f[9])
    out = {}
    for pid in pids:
        n = 0
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    link = os.readlink(fd)
                except OSError:
                    continue
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    n += 1
        except OSError:
            pass
        out[pid] = n
    return out


def wait_for_workers(server, num_procs: int, timeout: float = 90.0) -> None:
    """Wait until no worker is being replaced: every worker that began recycling has
    exited, and every worker started (the first ones and their replacements) has
    warmed up (from the server's log; nothing to wait for on an external server)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replaced = server.count(RECYCLED)
        if replaced is None:
            return
        draining = server.count("; recycling")
        if draining == replaced and server.count("warm in") >= num_procs + replaced:
            return
        time.sleep(0.5)


def settled_rss(server, timeout: float = 60.0) -> float:
    """The server's RSS once it stops changing (three readings 1 s apart within 1%), so
    that a worker being replaced or warming up is not caught half-way."""
    deadline = time.monotonic() + timeout
    readings = [server.rss_mb()]
    while time.monotonic() < deadline:
        time.sleep(1.0)
        readings.append(server.rss_mb())
        last = readings[-3:]
        if len(last) == 3 and max(last) <= 1.01 * min(last):
            break
    return readings[-1]


# ---- a minimal Bokeh websocket client ---------------------------------------------------


def _walk(obj, out: dict) -> None:
    """Collect every serialized Bokeh model (`{"type": "object", "id": ...}`) by id."""
    if isinstance(obj, dict):
        if obj.get("type") == "object" and "id" in obj:
            out.setdefault(obj["id"], obj)
        for v in obj.values():
            _walk(v, out)
    elif isinstance(obj, list):
        for v in obj:
            _walk(v, out)


def _map_keys(data) -> list[str]:
    if isinstance(data, dict) and data.get("type") == "map":
        return [e[0] for e in data.get("entries", [])]
    if isinstance(data, dict):
        return list(data)
    return []


def _map_get(data, key):
    if isinstance(data, dict) and data.get("type") == "map":
        for k, v in data.get("entries", []):
            if k == key:
                return v
        return None
    return data.get(key) if isinstance(data, dict) else None


def decode_array(rep, buffers: dict[str, bytes]):
    """A serialized ndarray (base64 or a binary buffer) as a numpy array, else None."""
    import numpy as np

    if isinstance(rep, list):
        return np.asarray(rep, dtype=float)
    if not isinstance(rep, dict) or rep.get("type") != "ndarray":
        return None
    arr = rep.get("array")
    if isinstance(arr, dict) and arr.get("type") == "bytes":
        data = arr.get("data")
        raw = buffers.get(data["id"]) if isinstance(data, dict) else base64.b64decode(data)
    elif isinstance(arr, dict) and "id" in arr:
        raw = buffers.get(arr["id"])
    else:
        return np.asarray(arr, dtype=float) if isinstance(arr, list) else None
    if raw is None:
        return None
    return np.frombuffer(raw, dtype=rep.get("dtype", "float64")).reshape(rep.get("shape", [-1]))


def _query_of(value) -> str:
    """The query of the Explorer's numbered URL field ("N|?a=b" -> "?a=b")."""
    value = value if isinstance(value, str) else ""
    return value.split("|", 1)[1] if "|" in value else value


class Session:
    """One app session over Bokeh's websocket protocol, as a browser opens it.

    `open()` GETs the page (the server creates the session and embeds its token), opens
    the websocket, pulls the document and finds the slider titled `slider`, the Location
    model and the data sources. `move(value)` sends a slider change and returns the
    seconds until a patch with new voltage data arrives. Every patch is scanned for the
    Location's `search` (this session's URL state) and for voltage arrays (`traces`).
    """

    def __init__(self, url: str, app: str = "explorer", slider: str = SLIDER, query: str = ""):
        _check_loopback(url)
        self.page_url = f"{url}/{app}{query}"
        self.ws_url = "ws" + url[4:] + f"/{app}/ws"
        self.slider_title = slider
        self.slider_id = None
        self.location_id = None
        self.search = ""
        self.searches: list[str] = []
        self.traces: list = []
        self.alerts: list[str] = []
        self.errors: list[str] = []
        self.status = None
        self._ws = None
        self._msgid = 0
        self._data_event = asyncio.Event()
        self._reader = None
        self._acked = asyncio.get_event_loop().create_future()
        self._pulled = asyncio.get_event_loop().create_future()

    async def open(self, timeout: float = 240.0) -> Session:
        """Open the session; raises on an HTTP error (e.g. 403 when the server is full)."""
        from tornado.httpclient import AsyncHTTPClient, HTTPClientError
        from tornado.websocket import websocket_connect

        # a client of its own: the shared one queues all but 10 requests, and the queue
        # time counts against the timeout
        client = AsyncHTTPClient(force_instance=True)
        try:
            resp = await client.fetch(
                self.page_url, request_timeout=timeout, connect_timeout=timeout
            )
        except HTTPClientError as err:
            self.status = err.code
            raise
        finally:
            client.close()
        self.status = resp.code
        html = resp.body.decode()
        token = re.search(r'"token"\s*:\s*"([^"]+)"', html)
        if token is None:
            raise RuntimeError("no session token in the app page")
        self._ws = await asyncio.wait_for(
            websocket_connect(
                self.ws_url, subprotocols=["bokeh", token.group(1)], max_message_size=64 << 20
            ),
            timeout,
        )
        # as browsers do: no Nagle delay on the small frames of a Bokeh message
        self._ws.protocol.stream.set_nodelay(True)
        self._reader = asyncio.ensure_future(self._read_loop())
        await asyncio.wait_for(self._acked, timeout)  # the server is ready for requests
        await self._send("PULL-DOC-REQ", {})
        await asyncio.wait_for(self._pulled, timeout)
        # what BokehJS sends once the page is rendered: Panel holds plot updates until then
        ready = {"type": "event", "name": "document_ready", "values": {"type": "map"}}
        event = {"kind": "MessageSent", "msg_type": "bokeh_event", "msg_data": ready}
        await self._send("PATCH-DOC", {"events": [event]})
        return self

    async def _send(self, msgtype: str, content: dict) -> None:
        self._msgid += 1
        header = {"msgid": f"c{self._msgid}", "msgtype": msgtype}
        for part in (header, {}, content):
            await self._ws.write_message(json.dumps(part))

    async def _read_loop(self) -> None:
        try:
            while True:
                header = await self._ws.read_message()
                if header is None:
                    return
                header = json.loads(header)
                await self._ws.read_message()  # metadata
                content = json.loads(await self._ws.read_message())
                buffers = {}
                for _ in range(header.get("num_buffers", 0)):
                    bh = await self._ws.read_message()
                    payload = await self._ws.read_message()
                    bid = json.loads(bh).get("id") if isinstance(bh, str) else None
                    buffers[bid] = payload
                self._handle(header.get("msgtype"), content, buffers)
        except Exception as err:  # noqa: BLE001 - reported as a session error
            if not isinstance(err, asyncio.CancelledError):
                self.errors.append(f"{type(err).__name__}: {err}")
        finally:
            for fut in (self._acked, self._pulled):
                if not fut.done():
                    fut.set_exception(RuntimeError(f"the connection closed: {self.errors}"))

    def _handle(self, msgtype, content, buffers) -> None:
        if msgtype == "ACK" and not self._acked.done():
            self._acked.set_result(True)
        elif msgtype == "PULL-DOC-REPLY":
            models: dict = {}
            _walk(content.get("doc", {}), models)
            for mid, m in models.items():
                attrs = m.get("attributes") or {}
                if attrs.get("title") == self.slider_title and m.get("name", "").endswith("Slider"):
                    self.slider_id = mid
                # the Explorer's URL state: a hidden field "N|?query" (snnlab/app/_explorer.py)
                if attrs.get("title") == "url" and m.get("name", "").endswith("TextInput"):
                    self.location_id = mid
                    self.search = _query_of(attrs.get("value", ""))
                # a session whose first run ended before the pull has its data in the doc
                if self._scan_data(attrs.get("data"), buffers):
                    self._data_event.set()
            if not self._pulled.done():
                self._pulled.set_result(True)
        elif msgtype == "PATCH-DOC":
            for ev in content.get("events", []):
                if ev.get("attr") == "value" and ev.get("model", {}).get("id") == self.location_id:
                    self.search = _query_of(ev.get("new", ""))
                    self.searches.append(self.search)
                if ev.get("kind") == "ColumnDataChanged" or ev.get("attr") == "data":
                    data = ev.get("data") if ev.get("kind") == "ColumnDataChanged" else None
                    if self._scan_data(data or ev.get("new"), buffers):
                        self._data_event.set()
                if ev.get("attr") == "object" and isinstance(ev.get("new"), str):
                    if "alert" in json.dumps(ev.get("model", {})).lower():
                        self.alerts.append(ev["new"])
                models: dict = {}
                _walk(ev.get("new"), models)
                for m in models.values():
                    if self._scan_data((m.get("attributes") or {}).get("data"), buffers):
                        self._data_event.set()
        elif msgtype == "ERROR":
            self.errors.append(str(content)[:300])

    def _scan_data(self, data, buffers) -> bool:
        if data is None or "V" not in _map_keys(data):
            return False
        arr = decode_array(_map_get(data, "V"), buffers)
        if arr is None or arr.size < 10:
            return False
        self.traces.append(arr)
        return True

    async def wait_for_data(self, timeout: float) -> bool:
        """Wait until voltage data arrives (True) or `timeout` s pass (False)."""
        try:
            await asyncio.wait_for(self._data_event.wait(), timeout)
            return True
        except TimeoutError:
            return False

    async def move(self, value: float, timeout: float = 30.0) -> float | None:
        """Move the slider to `value`; seconds until new voltage data came, None if none."""
        if self.slider_id is None:
            raise RuntimeError(f"no slider titled {self.slider_title!r} in the page")
        self._data_event.clear()
        t0 = time.perf_counter()
        event = {"kind": "ModelChanged", "model": {"id": self.slider_id}, "attr": "value"}
        await self._send("PATCH-DOC", {"events": [{**event, "new": value}]})
        if await self.wait_for_data(timeout):
            return time.perf_counter() - t0
        return None

    async def close(self) -> None:
        """Close the websocket (the server destroys the session after its lifetime)."""
        if self._ws is not None:
            self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass


def session_value(i: int, move: int) -> float:
    """The distinct `I_e` value (pA) that session `i` sets on its move `move`."""
    return float(300 + 5 * i + 200 * (move % 2) + 0.5 * move)


async def run_load(
    url: str,
    n: int,
    moves: int,
    deadline: float,
    pause: float = 0.2,
    server_cpu=None,
    spread=None,
) -> dict[str, object]:
    """Open `n` sessions at once, move each one's slider `moves` times, close them.

    **Returns:** latencies (s), errors, per-session checks and timings.
    """
    t_start = time.monotonic()
    sessions = [Session(url) for _ in range(n)]
    opened = await asyncio.gather(*(s.open() for s in sessions), return_exceptions=True)
    errors = [f"open: {type(o).__name__}: {o}" for o in opened if isinstance(o, BaseException)]
    live = [s for s, o in zip(sessions, opened, strict=True) if not isinstance(o, BaseException)]
    await asyncio.gather(*(s.wait_for_data(120.0) for s in live))
    t_open = time.monotonic() - t_start
    per_worker = spread() if spread else {}
    latencies: list[float] = []
    own: list[bool] = []

    async def drive(i: int, s: Session) -> None:
        for m in range(moves):
            if time.monotonic() - t_start > deadline:
                errors.append(f"session {i}: deadline reached")
                return
            value = session_value(i, m)
            lat = await s.move(value)
            if lat is None:
                errors.append(f"session {i}: no data after move {m}")
            else:
                latencies.append(lat)
            await asyncio.sleep(pause)
        # its URL state carries its own last value, and never another session's value
        mine = f"p.I_e={session_value(i, moves - 1)}&"
        others = {f"p.I_e={session_value(j, moves - 1)}&" for j in range(n) if j != i}
        # the URL is written after the plots, in a message of its own: give it time
        for _ in range(50):
            if mine in s.search:
                break
            await asyncio.sleep(0.1)
        ok = mine in s.search and not any(o in x for x in s.searches for o in others)
        own.append(ok)
        if not ok:
            errors.append(f"session {i}: its URL state is not its own: {s.search[:120]}")

    cpu0 = (time.process_time(), server_cpu() if server_cpu else float("nan"), time.monotonic())
    await asyncio.gather(*(drive(i, s) for i, s in enumerate(live)))
    cpu1 = (time.process_time(), server_cpu() if server_cpu else float("nan"), time.monotonic())
    for s in live:
        errors.extend(f"session error: {e}" for e in s.errors)
    await asyncio.gather(*(s.close() for s in live))
    return {
        "latencies": latencies,
        "errors": errors,
        "own": own,
        "opened": len(live),
        "t_open": t_open,
        "per_worker": per_worker,
        "t_total": time.monotonic() - t_start,
        # shares of one core used while the sliders moved: the clients, the server
        "client_cpu": (cpu1[0] - cpu0[0]) / (cpu1[2] - cpu0[2]),
        "server_cpu": (cpu1[1] - cpu0[1]) / (cpu1[2] - cpu0[2]),
    }


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[k]


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def wait_for_memory(server: Server, target: float, timeout: float) -> float:
    """Poll the server's RSS until it is within 10% of `target` or `timeout` s pass."""
    deadline = time.monotonic() + timeout
    rss = server.rss_mb()
    while rss > 1.10 * target and time.monotonic() < deadline:
        time.sleep(1.0)
        rss = server.rss_mb()
    return rss


RECYCLED = "exited with status 75, restarting"
"""What Tornado's parent prints when a worker was replaced for its memory (`Recycler`)."""


def main(argv: list[str] | None = None) -> int:
    """Run the load test and write its figures (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--moves", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=2, help="classes, one after the other")
    ap.add_argument("--pause", type=float, default=0.2, help="s between data and next move")
    ap.add_argument("--deadline", type=float, default=420.0, help="seconds for all moves")
    ap.add_argument("--num-procs", type=int, default=2, help="server processes (one per core)")
    ap.add_argument("--url", default=None, help="an already running server (loopback only)")
    ap.add_argument("--no-write", action="store_true", help="do not write bench/results.md")
    ap.add_argument(
        "--no-recycle",
        action="store_true",
        help="never replace a worker for its memory (--recycle-growth 1000), so that memory "
        "coming back shows the absence of leaks, not fresh processes",
    )
    args = ap.parse_args(argv)
    if not 1 <= args.sessions <= 200 or not 1 <= args.moves <= 100 or not 1 <= args.rounds <= 5:
        raise SystemExit("load_test: 1 <= sessions <= 200, 1 <= moves <= 100, 1 <= rounds <= 5.")
    load_before = _loadavg()
    extra = ["--num-procs", str(args.num_procs), "--session-lifetime", "3000"]
    extra += ["--max-sessions", str(max(100, 2 * args.sessions))]
    if args.no_recycle:
        extra += ["--recycle-growth", str(NO_RECYCLE)]
    rounds = []
    with External(args.url) if args.url else Server(*extra) as server:
        url = server.url
        _check_loopback(url)

        def server_cpu() -> float:
            return sum(cpu_seconds(p) for p in server.pids())

        def spread() -> dict[int, int]:
            return connections_by_pid(server.port, server.pids()[1:])

        # warm up: a few sessions (spread over the processes) compile the shared functions
        asyncio.run(run_load(url, 4 * args.num_procs, 2, 120.0))
        time.sleep(6.0)  # the warm-up's sessions expire; a grown worker starts recycling
        wait_for_workers(server, args.num_procs)
        gc.collect()
        rss0 = settled_rss(server)
        replaced = server.count(RECYCLED)
        for _ in range(args.rounds):
            out = asyncio.run(
                run_load(
                    url, args.sessions, args.moves, args.deadline, args.pause, server_cpu, spread
                )
            )
            out["rss_peak"] = server.rss_mb()
            time.sleep(6.0)
            wait_for_workers(server, args.num_procs)
            wait_for_memory(server, rss0, 60.0)
            out["rss_after"] = settled_rss(server)
            now = server.count(RECYCLED)
            out["replaced"] = None if now is None else now - replaced
            replaced = now
            rounds.append(out)
    text = report(args, rounds, rss0, load_before)
    print(text)
    if not args.no_write:
        write_section(RESULTS, text, "load_test_no_recycle" if args.no_recycle else "load_test")
    expected = args.sessions * args.moves
    ok = all(not r["errors"] and len(r["latencies"]) == expected for r in rounds)
    return 0 if ok else 1


def report(args, rounds: list[dict], rss0: float, load_before: str) -> str:
    """The Markdown section of bench/results.md for one run of the load test."""
    expected = args.sessions * args.moves
    cols = [f"class {k + 1}" for k in range(len(rounds))]

    def row(name, fn):
        return f"| {name} | " + " | ".join(fn(r) for r in rounds) + " |"

    def ms(r, q):
        return f"{_pct([x * 1e3 for x in r['latencies']], q):.0f}"

    lines = [
        "| what | " + " | ".join(cols) + " |",
        "|---|" + "---|" * len(rounds),
        row("sessions opened / asked", lambda r: f"{r['opened']} / {args.sessions}"),
        row("slider moves answered / sent", lambda r: f"{len(r['latencies'])} / {expected}"),
        row("errors", lambda r: str(len(r["errors"]))),
        row("sessions that saw only their own URL state", lambda r: f"{sum(r['own'])}"),
        row("slider-to-data latency p50 (ms)", lambda r: ms(r, 50)),
        row("slider-to-data latency p95 (ms)", lambda r: ms(r, 95)),
        row("slider-to-data latency max (ms)", lambda r: ms(r, 100)),
        row("time to open all sessions (s)", lambda r: f"{r['t_open']:.1f}"),
        row(
            "connections per worker with all sessions open",
            lambda r: " / ".join(str(v) for v in r["per_worker"].values()) or "n/a",
        ),
        row(
            "CPU while the sliders moved (cores): server / clients",
            lambda r: f"{r['server_cpu']:.2f} / {r['client_cpu']:.2f}",
        ),
        row("server RSS with all sessions open (MiB)", lambda r: f"{r['rss_peak']:.0f}"),
        row(
            "server RSS after all closed (MiB, vs before the first class)",
            lambda r: f"{r['rss_after']:.0f} ({100 * (r['rss_after'] / rss0 - 1):+.1f}%)",
        ),
        row(
            "workers replaced for their memory after the class",
            lambda r: "n/a" if r["replaced"] is None else str(r["replaced"]),
        ),
    ]
    growth = [
        100 * (b["rss_after"] / a["rss_after"] - 1)
        for a, b in zip(rounds, rounds[1:], strict=False)
    ]
    command = (
        f"python bench/load_test.py --sessions {args.sessions} --moves {args.moves} "
        f"--rounds {args.rounds} --pause {args.pause:g} --num-procs {args.num_procs}"
        + (" --no-recycle" if args.no_recycle else "")
    )
    recycling = (
        f"Worker recycling is off (`--recycle-growth {NO_RECYCLE}`: a worker would have to "
        "grow a thousandfold), so memory that comes back was freed by the same processes."
        if args.no_recycle
        else "A worker whose memory, once its sessions have gone, is more than 10% above its "
        "warm empty size is replaced by a fresh one (`snnlab serve --recycle-growth`)."
    )
    begin, end = markers("load_test_no_recycle" if args.no_recycle else "load_test")
    title = " (worker recycling off)" if args.no_recycle else ""
    text = (
        f"{begin}\n## snnlab serve under load{title} (bench/load_test.py)\n\n"
        f"Command: `{command}`; {datetime.datetime.now().isoformat(timespec='seconds')}; "
        f"{platform.node()}, {os.cpu_count()} cores (shared with other work; load average "
        f"before {load_before}, after {_loadavg()}).\n\n"
        f"`snnlab serve --num-procs {args.num_procs}` on 127.0.0.1. Each class: "
        f"{args.sessions} Explorer sessions opened at once the way a browser opens them "
        f"(page, websocket, document), each moving its `I_e` slider {args.moves} times "
        f"to values of its own, {args.pause:g} s after each new plot; latency is from "
        "sending the slider value to receiving the new voltage data. The clients are one "
        "process on the same machine. Server RSS is summed over the server's processes "
        "(Tornado's parent and its workers) and read once it has settled; before the first "
        f"class (after a warm-up of {4 * args.num_procs} sessions) it was {rss0:.0f} MiB. "
        + recycling
        + " Each class starts, and memory is read after it, once no worker is being "
        "replaced.\n\n" + "\n".join(lines) + "\n"
    )
    if growth:
        text += (
            "\nGrowth of server RSS from the end of one class to the end of the next: "
            + ", ".join(f"{g:+.1f}%" for g in growth)
            + ".\n"
        )
    errors = [e for r in rounds for e in r["errors"]]
    p95 = max(_pct([x * 1e3 for x in r["latencies"]], 95) for r in rounds)
    worst = max(100 * (r["rss_after"] / rss0 - 1) for r in rounds)

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    answered = all(len(r["latencies"]) == expected and sum(r["own"]) == r["opened"] for r in rounds)
    text += (
        f"\nTargets: no errors and every move answered in its own session: "
        f"{verdict(not errors and answered)}; p95 <= {P95_TARGET_MS} ms: "
        f"{verdict(p95 <= P95_TARGET_MS)} "
        f"({p95:.0f} ms); RSS back within 10% of its start after each class: "
        f"{verdict(worst <= 10)} ({worst:+.1f}%).\n"
    )
    if errors:
        text += "\nErrors (first 10):\n\n" + "\n".join(f"- {e}" for e in errors[:10]) + "\n"
    return text + end + "\n"


P95_TARGET_MS = 200
"""Issue #16's target for the slider-to-data p95 of 2 classes of 30 sessions."""
NO_RECYCLE = 1000
"""`--recycle-growth` for `--no-recycle`: a worker would have to grow a thousandfold."""


def markers(name: str, writer: str = "bench/load_test.py") -> tuple[str, str]:
    """The comments that delimit the section `name` of bench/results.md."""
    return f"<!-- {name}: begin (written by {writer}) -->", f"<!-- {name}: end -->"


def write_section(
    path: Path, section: str, name: str = "load_test", writer: str = "bench/load_test.py"
) -> None:
    """Put `section` into `path` between the markers of `name` (appended the first time)."""
    begin, end = markers(name, writer)
    text = path.read_text() if path.exists() else ""
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1]
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


if __name__ == "__main__":
    raise SystemExit(main())
