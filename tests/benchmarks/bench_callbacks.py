"""Callback benchmark, measured as GoToAssist meets the app: the real app and a bare
standard-library HTTP server each in its own process, the clients in this (third)
process, and a real notification daemon (dunst, on a private bus and an Xvfb display).

    .venv/bin/python -m tests.benchmarks.bench_callbacks [--posts 300] [--rounds 3]

Throughput: POSTs per second, each on its own connection, with 1 and 4 client threads,
the app and the bare server in alternating rounds (medians, and the app's ratio to the
bare server of the same round). Every app POST is a new session's "active" callback,
so each one is parsed, committed to SQLite and sent to dunst as a notification.
Latency: POST sent → ``Notify`` seen on the bus (dbus-monitor's time stamp), one POST at a
time, measured before the throughput runs (dunst answers a ``Notify`` in up to ~0.3 s, so
the throughput runs leave a queue of notifications behind them). Prints figures only; the goals live here, not in a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.helpers.buses import start_dunst_bus
from tests.helpers.desktop import start_desktop
from tests.helpers.procs import ROOT, stop_processes, wait_for
from tests.helpers.profile import Profile

BARE_SERVER = r"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Bare(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")  # as the app's listener does
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Bare)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _request(port: int, path: str, ticket: str) -> bytes:
    body = json.dumps({"sessionId": f"S{ticket}", "status": "active", "customerName": "Jane Doe"})
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n{body}"
    ).encode()


def _post(port: int, request: bytes) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    if not answer.startswith(b"HTTP/1.1 200 "):
        raise RuntimeError(f"unexpected answer {answer[:80]!r}")


def throughput(port: int, requests: list[bytes], workers: int) -> float:
    parts = [requests[i::workers] for i in range(workers)]
    threads = [
        threading.Thread(target=lambda part=part: [_post(port, r) for r in part]) for part in parts
    ]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(requests) / (time.perf_counter() - start)


def main() -> None:  # noqa: PLR0912 (one script, read top to bottom)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    n, rounds = args.posts, args.rounds
    for tool in ("dbus-daemon", "dunst", "dbus-monitor", "stdbuf"):
        if shutil.which(tool) is None:
            raise SystemExit(f"needs {tool} (bash .ci/setup installs it)")

    procs: list[subprocess.Popen[str]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        desk, why = start_desktop(tmp)
        if desk is None:
            raise SystemExit(f"needs a real X session: {why}")
        try:
            bus = start_dunst_bus(desk.display, tmp)
            procs.extend(bus.procs)
            address, bus_env, monitor_log = bus.address, bus.env, bus.monitor_log

            bare = subprocess.Popen(
                [sys.executable, "-c", BARE_SERVER], stdout=subprocess.PIPE, text=True
            )
            procs.append(bare)
            assert bare.stdout is not None
            bare_port = int(bare.stdout.readline())

            # The app's history holds a fresh launch for every POST of every round, made
            # before it starts (its listener looks each secret up in the same database).
            profile = Profile.create(tmp / "profile")
            app_port = _free_port()
            profile.write_settings(f"[callback]\nlisten_port = {app_port}\n", exact=True)
            env = {**desk.env(profile), "DBUS_SESSION_BUS_ADDRESS": address}
            for key, value in profile.xdg_env().items():
                os.environ[key] = value
            from g2a_tray.core.paths import AppPaths
            from g2a_tray.core.sessions.launch import Launch, LaunchRequest
            from g2a_tray.core.sessions.store import SessionStore

            store = SessionStore(AppPaths.default().sessions_file)
            plans: list[list[bytes]] = []
            latency_tickets: dict[str, bytes] = {}
            for batch in range(2 * rounds + 1):
                batch_requests = []
                for i in range(n):
                    ticket = f"{batch}-{i}"
                    launch = Launch(LaunchRequest(ticket), "u")
                    store.record(launch)
                    request = _request(app_port, f"/callback/{launch.secret}", ticket)
                    if batch == 2 * rounds:
                        latency_tickets[ticket] = request
                    else:
                        batch_requests.append(request)
                plans.append(batch_requests)
            store.close()

            app = subprocess.Popen(
                [sys.executable, "-m", "g2a_tray", "run"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            procs.append(app)

            def app_listens() -> bool:
                try:
                    socket.create_connection(("127.0.0.1", app_port), timeout=1).close()
                except OSError:
                    return False
                return True

            wait_for(app_listens, 30, "the app's listener")
            time.sleep(1)  # let start-up finish (notifier connected, shortcut grabbed)

            # Latency first, while the notification queue is empty; then throughput.
            # Each sample waits for its Notify and then clears dunst's screen: with many
            # notifications on screen dunst answers slowly, and the next would queue.
            pattern = re.compile(r"time=(\d+\.\d+).*?\n(?:.*\n){4}\s+string \"Ticket (\S+)")
            sent_at: dict[str, float] = {}
            for ticket, request in latency_tickets.items():
                sent_at[ticket] = time.time()
                _post(app_port, request)
                wait_for(
                    lambda t=ticket: f'"Ticket {t} ' in monitor_log.read_text(), 30, "a Notify"
                )
                subprocess.run(["dunstctl", "close-all"], env=bus_env, check=False, timeout=10)

            def all_seen() -> bool:
                seen = {m.group(2) for m in pattern.finditer(monitor_log.read_text())}
                return set(sent_at) <= seen

            try:
                wait_for(all_seen, 30, "every latency notification")
            except AssertionError:
                text = monitor_log.read_text()
                shutil.copy(monitor_log, "/tmp/bench-monitor.txt")
                raise SystemExit(
                    f"{text.count('member=Notify')} Notify calls seen; the last:\n{text[-1500:]}"
                ) from None
            noted = {
                m.group(2): float(m.group(1)) for m in pattern.finditer(monitor_log.read_text())
            }
            latencies = sorted((noted[t] - sent_at[t]) * 1000 for t in sent_at)
            bare_requests = [_request(bare_port, "/callback/x", str(i)) for i in range(n)]
            figures: dict[str, list[float]] = {}
            plan = iter(plans)
            for _ in range(rounds):
                for workers in (1, 4):
                    bare_rate = throughput(bare_port, bare_requests, workers)
                    app_rate = throughput(app_port, next(plan), workers)
                    figures.setdefault(f"bare, {workers} client(s)", []).append(bare_rate)
                    figures.setdefault(f"g2a-tray, {workers} client(s)", []).append(app_rate)
                    figures.setdefault(f"ratio, {workers} client(s)", []).append(
                        app_rate / bare_rate
                    )

            subprocess.run(
                [sys.executable, "-m", "g2a_tray", "quit"],
                env=env,
                cwd=ROOT,
                timeout=30,
                capture_output=True,
            )
        finally:
            stop_processes(procs)
            desk.stop()

    print(
        f"callback throughput: {n} POSTs a run, one connection each, {rounds} alternating rounds "
        f"(Python {sys.version.split()[0]}; app, bare server and clients in three processes; dunst)"
    )
    for name, values in figures.items():
        unit = "×" if name.startswith("ratio") else " POSTs/s"
        fmt = "{:.2f}" if name.startswith("ratio") else "{:.0f}"
        shown = ", ".join(fmt.format(v) for v in values)
        print(f"  {name:<22} median {fmt.format(statistics.median(values))}{unit}  ({shown})")
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(
        f"POST-to-Notify latency over {len(latencies)} sessions, one at a time:"
        f" p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {latencies[-1]:.1f} ms"
    )
    summary = {k: statistics.median(v) for k, v in figures.items()}
    print(json.dumps({"throughput": summary, "latency_ms": {"p50": p50, "p99": p99}}))


if __name__ == "__main__":
    main()
