"""Callback benchmark: throughput of the app's listener beside a bare standard-library
HTTP server, and POST-to-notification latency, measured in the same run.

    .venv/bin/python -m tests.benchmarks.bench_callbacks [--posts 300]

The app side is the real path: CallbackServer → SQLite commit → queued Qt signal →
TrayApp → NotificationCenter → D-Bus ``Notify`` received by tests/notification_server.py
on a private bus (its receive time is the end of the latency). Prints figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.helpers import Profile, start_session_bus

BODY = {"sessionId": "S", "status": "active", "customerName": "Jane Doe"}


class _Bare(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")  # as the app's listener does
        self.end_headers()
        self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


def throughput(urls: list[str], workers: int) -> float:
    """POSTs per second, each on its own connection (as GoToAssist's would be)."""
    local = threading.local()

    def post(url: str) -> None:
        if not hasattr(local, "client"):  # one client per thread: no TLS set-up per POST
            local.client = httpx.Client(timeout=30)
        local.client.post(url, json=BODY).raise_for_status()

    start = time.perf_counter()
    if workers == 1:
        for url in urls:
            post(url)
    else:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(post, urls))
    return len(urls) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=300)
    args = parser.parse_args()
    n = args.posts

    bare = ThreadingHTTPServer(("127.0.0.1", 0), _Bare)
    bare.daemon_threads = True
    threading.Thread(target=bare.serve_forever, daemon=True).start()
    bare_url = f"http://127.0.0.1:{bare.server_address[1]}/callback/x"

    with tempfile.TemporaryDirectory() as tmp:
        bus, why = start_session_bus(Path(tmp))
        if bus is None:
            raise SystemExit(f"needs dbus-daemon: {why}")
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = bus.address
        profile = Profile.create(Path(tmp) / "profile")
        for key, value in profile.xdg_env().items():
            os.environ[key] = value

        from PySide6.QtWidgets import QApplication

        from g2a_tray.app import TrayApp, create_qapplication
        from g2a_tray.core.launch import LaunchRequest
        from g2a_tray.core.paths import AppPaths

        qapp: QApplication = create_qapplication(["g2a-tray"])
        app = TrayApp(qapp, AppPaths.default(), opener=lambda _url: True)
        app.start()
        while app.notifications._dbus is not None and app.notifications._dbus.available is None:
            qapp.processEvents()
            time.sleep(0.01)

        def launch_urls(count: int) -> list[str]:
            urls = []
            for i in range(count):
                launch, _ = app.start_session(LaunchRequest(str(i), "", ""))
                urls.append(app.listener.callback_url(launch.secret))
            return urls

        results: dict[str, float] = {}
        sent_at: dict[str, float] = {}
        latency_urls = launch_urls(n)

        def run_posts() -> None:
            results["bare, 1 client"] = throughput([bare_url] * n, 1)
            results["bare, 4 clients"] = throughput([bare_url] * n, 4)
            with httpx.Client(timeout=30) as client:
                for url in latency_urls:  # one at a time: latency without queueing
                    sent_at[url.rsplit("/", 1)[1]] = time.time()
                    client.post(url, json=BODY).raise_for_status()
                    time.sleep(0.005)
            results["g2a-tray, 1 client"] = throughput(throughput_urls_1, 1)
            results["g2a-tray, 4 clients"] = throughput(throughput_urls_4, 4)

        throughput_urls_1 = launch_urls(n)
        throughput_urls_4 = launch_urls(n)
        worker = threading.Thread(target=run_posts)
        worker.start()
        while worker.is_alive():  # the GUI thread keeps serving queued signals
            qapp.processEvents()
            time.sleep(0.001)
        deadline = time.time() + 30
        while len(bus.notifications()) < 3 * n and time.time() < deadline:
            qapp.processEvents()
            time.sleep(0.01)

        notes = bus.notifications()[:n]
        latencies = []
        secrets_by_ticket = {str(i): url.rsplit("/", 1)[1] for i, url in enumerate(latency_urls)}
        for note in notes:
            ticket = str(note["body"]).split()[1]
            secret = secrets_by_ticket.get(ticket)
            if secret:
                latencies.append((float(note["received_at"]) - sent_at[secret]) * 1000)  # type: ignore[arg-type]
        app.shutdown()
        bus.stop()

    print(f"callback throughput ({n} POSTs, one connection each; Python {sys.version.split()[0]}):")
    for name, rate in results.items():
        print(f"  {name:<22} {rate:8.0f} POSTs/s")
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(
        f"POST-to-notification latency over {len(latencies)} sessions:"
        f" p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
    print(json.dumps({"throughput": results, "latency_ms": {"p50": p50, "p99": p99}}))


if __name__ == "__main__":
    main()
