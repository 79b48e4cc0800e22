"""Relay benchmark: publish-to-notification latency through an ntfy relay beside the local
listener's POST-to-notification latency, in the same run, against the same app.

    .venv/bin/python -m tests.benchmarks.bench_relay [--samples 40]

One real app process in relay mode (its local listener runs too), an ntfy stand-in in
this process, a recording notification server on a private bus. Samples alternate: a
callback POSTed straight to the listener, then one published to the relay; each waits
for its ``Notify`` before the next. Prints figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.helpers.buses import start_session_bus
from tests.helpers.desktop import start_desktop
from tests.helpers.procs import ROOT, wait_for
from tests.helpers.profile import Profile


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    # At most 100 launches are watched at once (MAX_RELAY_TOPICS): 2 x 40 stays under it.
    parser.add_argument("--samples", type=int, default=40)
    args = parser.parse_args()

    from g2a_tray.core.paths import AppPaths
    from g2a_tray.core.sessions.launch import Launch, LaunchRequest
    from g2a_tray.core.sessions.store import SessionStore
    from g2a_tray.core.updates.relay import relay_callback_url
    from g2a_tray.simulator.ntfy import NtfyStandIn

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        desk, why = start_desktop(tmp)
        if desk is None:
            raise SystemExit(f"needs a real X session: {why}")
        bus, why = start_session_bus(tmp)
        if bus is None:
            desk.stop()
            raise SystemExit(f"needs a D-Bus session bus: {why}")
        relay = NtfyStandIn().start()
        app = None
        try:
            profile = Profile.create(tmp / "profile")
            port = _free_port()
            profile.write_settings(
                f'[callback]\nlisten_port = {port}\n[relay]\nurl = "{relay.url}"\n', exact=True
            )
            for key, value in profile.xdg_env().items():
                os.environ[key] = value
            store = SessionStore(AppPaths.default().sessions_file)
            plan: list[tuple[str, str, str]] = []  # (way, ticket, url)
            for i in range(args.samples):
                for way in ("listener", "relay"):
                    ticket = f"{way}-{i}"
                    launch = Launch(LaunchRequest(ticket), "u")
                    store.record(launch)
                    url = (
                        f"http://127.0.0.1:{port}/callback/{launch.secret}"
                        if way == "listener"
                        else relay_callback_url(relay.url, "g2a-", launch.secret)
                    )
                    plan.append((way, ticket, url))
            store.close()
            app = subprocess.Popen(
                [sys.executable, "-m", "g2a_tray", "run"],
                env=desk.env(profile, bus),
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            env = desk.env(profile, bus)

            def connected() -> bool:
                status = subprocess.run(
                    [sys.executable, "-m", "g2a_tray", "status", "--limit", "1"],
                    env=env,
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    timeout=30,
                )
                return status.stdout.startswith("Updates: ") and ": connected" in status.stdout

            wait_for(connected, 30, "the app's relay subscription")
            latencies: dict[str, list[float]] = {"listener": [], "relay": []}
            with httpx.Client(timeout=10) as client:
                for way, ticket, url in plan:
                    seen = len(bus.notifications())
                    sent = time.time()
                    body = json.dumps({"sessionId": ticket, "status": "active"})
                    client.post(url, content=body, headers={"Content-Type": "application/json"})
                    try:
                        wait_for(lambda s=seen: len(bus.notifications()) > s, 10, "a notification")
                    except AssertionError:
                        log = profile.root / "state" / "g2a-tray" / "log" / "g2a-tray.log"
                        raise SystemExit(
                            f"{way} {ticket}: no notification; log:\n{log.read_text()[-3000:]}"
                        ) from None
                    note = bus.notifications()[-1]
                    assert ticket in str(note["body"]), note
                    latencies[way].append((float(note["received_at"]) - sent) * 1000)  # type: ignore[arg-type]
        finally:
            if app is not None:
                app.terminate()
                app.wait(15)
            relay.stop()
            bus.stop()
            desk.stop()

    print(
        f"POST/publish to Notify, {args.samples} samples each, alternating, one app "
        f"(Python {sys.version.split()[0]}):"
    )
    for way, values in latencies.items():
        print(
            f"  {way:<8} p50 {statistics.median(values):6.1f} ms  p90 {_percentile(values, 0.9):6.1f} ms"
            f"  p99 {_percentile(values, 0.99):6.1f} ms"
        )
    ratio = statistics.median(latencies["relay"]) / statistics.median(latencies["listener"])
    print(f"  relay / listener (p50): {ratio:.2f}×")


if __name__ == "__main__":
    main()
