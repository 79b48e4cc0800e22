"""Every performance figure, each beside its reference measured in the same run.

    .venv/bin/python -m tests.benchmarks.bench_performance [--runs 7] [--idle 30]
        [--history 100000] [--growth]

Table 1 — g2a-tray against what it should cost, installed as install.sh installs it
(non-editable, in a venv): time to the tray icon and peak memory 1 s after start against
a bare PySide6 tray icon in that venv (and the icon from this checkout, beside a bare
icon in the checkout's venv); the client verbs (``quit`` against an app started for each
run) against that venv's ``python -c pass``; the hot path
(bench_hot_path.py: new-session and the shortcut to the form, Enter to the browser, on
X11 and on Wayland); CPU and wake-ups while idle against the bare icon.
Table 2 — a history of ``--history`` launches against an empty one: time to the icon,
``status --json`` (time and memory), ``status --json --limit 10``, the history window
from ``g2a-tray history`` to visible, the Recent-sessions queries.
``--growth``: RSS before and after 1,000 sessions and 10,000 callbacks in one run.

Runs are interleaved (A B A B …) so the machine's drift hits both sides alike; medians
are quoted and every figure is a ratio. Prints figures; asserts nothing (timing goals
live here, never in a timed test). Needs Xvfb and trayer (bash .ci/setup).
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.benchmarks.bench_hot_path import wayland_hot_path, x11_hot_path
from tests.helpers.app_process import AppProcess
from tests.helpers.desktop import Desktop, start_desktop
from tests.helpers.procs import ROOT, wait_for
from tests.helpers.profile import Profile
from tests.helpers.venvs import installed_venv

BARE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
app = QApplication(sys.argv)
icon = QSystemTrayIcon(QIcon(sys.argv[1]))
icon.show()
def ready():
    print("ready", flush=True)
    QTimer.singleShot(int(float(sys.argv[2]) * 1000), app.quit)
QTimer.singleShot(0, ready)
app.exec()
"""
PING = """
import sys
from g2a_tray.client import is_running
from g2a_tray.core.instance.protocol import socket_name
sys.exit(0 if is_running(socket_name(sys.argv[1])) else 1)
"""
ICON = str(ROOT / "resources" / "g2a-tray.svg")
G2A = [sys.executable, "-m", "g2a_tray"]
Row = tuple[str, str, str, str]  # figure, g2a-tray, reference, ratio


def median(values: list[float]) -> float:
    return statistics.median(values)


def until_ready(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds until ``cmd`` prints its ready line, and its peak RSS (MiB) when it ends."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    _, status, usage = os.wait4(proc.pid, 0)
    if not line.startswith("ready") or status != 0:
        raise SystemExit(f"{cmd} did not report ready (status {status}): {line!r}")
    return elapsed, usage.ru_maxrss / 1024


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{cmd} failed with status {status}")
    return elapsed, usage.ru_maxrss / 1024


def interleaved(
    cases: dict[str, Callable[[], tuple[float, float]]], runs: int
) -> dict[str, list[tuple[float, float]]]:
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for case in cases.values():
        case()  # warm the file cache and the .pyc files
    for _ in range(runs):
        for name, case in cases.items():
            results[name].append(case())
    return results


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.2f} ms"


def fill_history(profile: Profile, launches: int) -> None:
    """A history of ``launches`` sessions over three years, ~2.8 events each, written
    through the app's own schema."""
    from g2a_tray.core.sessions.store import SessionStore

    path = profile.root / "data" / "g2a-tray" / "sessions.sqlite3"
    SessionStore(path).close()  # the schema, migrated
    db = sqlite3.connect(path)
    now = datetime.now(UTC)
    rng = random.Random(4711)
    launch_rows, event_rows = [], []
    for i in range(1, launches + 1):
        at = now - timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
        joined, ended = at + timedelta(minutes=2), at + timedelta(minutes=25)
        secret = secrets.token_urlsafe(32)
        iso = lambda t: t.isoformat(timespec="seconds")  # noqa: E731
        launch_rows.append(
            (
                i,
                secret,
                f"digest-{i}",
                str(40000 + i),
                f"https://h.example/t/{40000 + i}",
                "",
                "https://api.example/session?x",
                iso(at),
                "complete",
                f"S{i}",
                iso(at),
                iso(joined),
                iso(ended),
                f"Customer {i}",
                "Tech",
                iso(ended),
            )
        )
        for status, when in (("waiting", at), ("active", joined), ("complete", ended)):
            if status == "waiting" and i % 5:
                continue  # ~2.8 events a launch
            event_rows.append(
                (
                    i,
                    f"S{i}",
                    status,
                    iso(at),
                    iso(joined),
                    iso(ended) if status == "complete" else None,
                    f"Customer {i}",
                    "",
                    "Tech",
                    iso(when),
                    "{}",
                )
            )
    with db:
        db.executemany(
            "INSERT INTO launches (id, secret, secret_sha256, partner_object, partner_object_url,"
            " layout, url, launched_at, status, session_id, started_at, customer_joined_at,"
            " ended_at, customer_name, expert_name, last_update_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            launch_rows,
        )
        db.executemany(
            "INSERT INTO events (launch_id, session_id, status, started_at, customer_joined_at,"
            " ended_at, customer_name, customer_email, expert_name, received_at, raw)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            event_rows,
        )
    db.execute("VACUUM")
    db.close()


def app_env(desk: Desktop, profile: Profile, **extra: str) -> dict[str, str]:
    return {**desk.env(profile), **extra}


def startup(
    desk: Desktop, empty: Profile, full: Profile, runs: int, venv: Path
) -> tuple[list[Row], Row]:
    """Time to the tray icon and peak memory as installed (``venv``: install.sh's way,
    against a bare icon in that venv's Python), and from this checkout (the editable
    install's import hook: what a developer meets); and with a long history. Returns the
    rows of table 1 and the history's row of table 2."""
    bare_env = app_env(desk, empty)
    python = str(venv / "bin" / "python")
    installed = [str(venv / "bin" / "g2a-tray"), "run"]
    cases = {
        "bare": lambda: until_ready([python, "-c", BARE, ICON, "0"], bare_env),
        "empty": lambda: until_ready(installed, app_env(desk, empty, G2A_TRAY_BENCH_EXIT="0")),
        "full": lambda: until_ready(installed, app_env(desk, full, G2A_TRAY_BENCH_EXIT="0")),
        "bare 1s": lambda: until_ready([python, "-c", BARE, ICON, "1"], bare_env),
        "empty 1s": lambda: until_ready(installed, app_env(desk, empty, G2A_TRAY_BENCH_EXIT="1")),
        "checkout bare": lambda: until_ready([sys.executable, "-c", BARE, ICON, "0"], bare_env),
        "checkout": lambda: until_ready(
            [*G2A, "run"], app_env(desk, empty, G2A_TRAY_BENCH_EXIT="0")
        ),
    }
    r = interleaved(cases, runs)
    t = {name: median([x[0] for x in rows]) for name, rows in r.items()}
    m = {name: median([x[1] for x in rows]) for name, rows in r.items()}
    first = [
        (
            "start to tray icon",
            ms(t["empty"]),
            f"bare icon {ms(t['bare'])}",
            f"{t['empty'] / t['bare']:.2f}×",
        ),
        (
            "start to tray icon, from the checkout (editable)",
            ms(t["checkout"]),
            f"bare icon {ms(t['checkout bare'])}",
            f"{t['checkout'] / t['checkout bare']:.2f}×",
        ),
        (
            "peak RSS 1 s after start",
            f"{m['empty 1s']:.1f} MiB",
            f"bare icon {m['bare 1s']:.1f} MiB",
            f"{m['empty 1s'] / m['bare 1s']:.2f}×",
        ),
    ]
    history = (
        "start to tray icon, 100k history",
        ms(t["full"]),
        f"empty {ms(t['empty'])}",
        f"{t['full'] / t['empty']:.2f}×",
    )
    return first, history


def rss_by_library(pid: int) -> dict[str, float]:
    """Resident MiB of ``pid`` per mapped file (Qt's libraries, Python, …) and for the
    anonymous memory (the heaps: Python's objects, Qt's allocations), from
    /proc/PID/smaps."""
    found: dict[str, float] = {}
    name = "?"
    with open(f"/proc/{pid}/smaps") as fh:
        for line in fh:
            head = line.split()
            if head and "-" in head[0] and len(head) >= 5 and ":" not in head[0]:
                path = head[5] if len(head) > 5 else "[anonymous]"
                name = Path(path).name if path.startswith("/") else path
                name = name.split(".so")[0] if ".so" in name else name
            elif head and head[0] == "Rss:":
                found[name] = found.get(name, 0.0) + int(head[1]) / 1024
    return found


def memory_breakdown(desk: Desktop, profile: Profile, venv: Path) -> list[Row]:
    """Where the installed app's resident memory goes 1 s after start, beside the bare
    icon's in the same venv: the biggest differences, per library (what the RSS ratio is
    made of)."""

    def resident(cmd: list[str], env: dict[str, str]) -> dict[str, float]:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("ready")
        time.sleep(1)  # a bench: "1 s after start", as the RSS figure
        found = rss_by_library(proc.pid)
        proc.wait(30)
        return found

    python = str(venv / "bin" / "python")
    bare = resident([python, "-c", BARE, ICON, "3"], app_env(desk, profile))
    app = resident(
        [str(venv / "bin" / "g2a-tray"), "run"], app_env(desk, profile, G2A_TRAY_BENCH_EXIT="3")
    )
    names = sorted(set(bare) | set(app), key=lambda n: app.get(n, 0) - bare.get(n, 0))[::-1]
    return [
        (
            f"RSS in {name}",
            f"{app.get(name, 0):.1f} MiB",
            f"bare icon {bare.get(name, 0):.1f} MiB",
            f"{app.get(name, 0) - bare.get(name, 0):+.1f} MiB",
        )
        for name in names[:10]
    ]


def cli(desk: Desktop, profile: Profile, runs: int, venv: Path) -> list[Row]:
    """The verbs as installed (tests/helpers/venvs.installed_venv: non-editable, install.sh's
    launcher) against that venv's ``python -c pass``, with XDG_RUNTIME_DIR set as on a
    desktop."""
    runtime = profile.root / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {**desk.env(profile), "XDG_RUNTIME_DIR": str(runtime)}
    app = AppProcess(profile, env)
    app.proc = app.popen("run")
    python = str(venv / "bin" / "python")
    try:
        script = str(venv / "bin" / "g2a-tray")
        wait_for(
            lambda: (
                subprocess.run([script, "history"], env=env, capture_output=True).returncode == 0
            ),
            20,
            "the app",
        )
        verbs = {
            "g2a-tray new-session": [script, "new-session"],
            "g2a-tray start 4711": [script, "start", "4711"],
            "g2a-tray --version": [script, "--version"],
            "g2a-tray status --limit 5": [script, "status", "--limit", "5"],
        }
        cases = {"pass": lambda: run_once([python, "-c", "pass"], env)}
        for name, cmd in verbs.items():
            cases[name] = lambda cmd=cmd: run_once(cmd, env)
        r = interleaved(cases, runs)
    finally:
        subprocess.run([script, "quit"], env=env, capture_output=True, timeout=30)
        app.proc.wait(20)
    r["g2a-tray quit"], gone = _quits(app, script, env, runs)
    base = median([x[0] for x in r["pass"]])
    return [
        *(
            (
                f"`{name[9:]}` against the running app"
                if "version" not in name
                else f"`{name[9:]}`",
                ms(median([x[0] for x in r[name]])),
                f"python -c pass {ms(base)}",
                f"{median([x[0] for x in r[name]]) / base:.2f}×",
            )
            for name in r
            if name != "pass"
        ),
        ("`quit` to the app's process gone", ms(median(gone)), "—", "—"),
    ]


def _quits(
    app: AppProcess, script: str, env: dict[str, str], runs: int
) -> tuple[list[tuple[float, float]], list[float]]:
    """``g2a-tray quit`` as a whole process, each against an app started for it (and up
    for a moment, as a technician's is); and the time from the verb's start to the app's
    process ending (Quit is instant)."""
    python = str(Path(script).parent / "python")
    ping = [python, "-c", PING, str(app.profile.config_dir)]
    verb, gone = [], []
    for _ in range(runs):
        app.proc = app.popen("run")
        wait_for(lambda: subprocess.run(ping, env=env).returncode == 0, 20, "the app")
        start = time.perf_counter()
        verb.append(run_once([script, "quit"], env))
        app.proc.wait(20)
        gone.append(time.perf_counter() - start)
    return verb, gone


def _cpu_and_switches(pid: int) -> tuple[float, int]:
    """CPU seconds and context switches (voluntary + not) of every thread of ``pid``."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    switches = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/status") as fh:
            for line in fh:
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    switches += int(line.split()[1])
    return cpu, switches


def idle(desk: Desktop, profile: Profile, seconds: float) -> list[Row]:
    env = desk.env(profile)
    bare = subprocess.Popen(
        [sys.executable, "-c", BARE, ICON, str(seconds + 30)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    app = AppProcess(profile, env)
    app.start()
    assert app.proc is not None and bare.stdout is not None
    bare.stdout.readline()
    time.sleep(3)  # past start-up: the shortcut grab, the history check
    before = {p: _cpu_and_switches(p) for p in (app.proc.pid, bare.pid)}
    time.sleep(seconds)
    after = {p: _cpu_and_switches(p) for p in (app.proc.pid, bare.pid)}
    app.stop()
    bare.kill()
    bare.wait()
    per_min = 60 / seconds
    cpu = {p: (after[p][0] - before[p][0]) * per_min for p in before}
    wakes = {p: (after[p][1] - before[p][1]) * per_min for p in before}
    return [
        (
            f"idle: CPU per minute ({seconds:.0f} s measured)",
            ms(cpu[app.proc.pid]),
            f"bare icon {ms(cpu[bare.pid])}",
            "—",
        ),
        (
            "idle: wake-ups (context switches) per minute",
            f"{wakes[app.proc.pid]:.0f}",
            f"bare icon {wakes[bare.pid]:.0f}",
            "—",
        ),
    ]


def history_window_visible(desk: Desktop, profile: Profile) -> float:
    """Seconds from ``g2a-tray history`` to the window on screen (a fresh app each time)."""
    app = AppProcess(profile, desk.env(profile))
    app.start()
    try:
        start = time.perf_counter()
        subprocess.Popen([*G2A, "history"], env=app.env, cwd=ROOT)

        def visible() -> bool:
            found = subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--name", "Session history"],
                env={**os.environ, "DISPLAY": desk.display},
                capture_output=True,
            )
            return found.returncode == 0

        wait_for(visible, 120, "the history window")
        return time.perf_counter() - start
    finally:
        app.stop()


def growth_of_history(desk: Desktop, empty: Profile, full: Profile, runs: int) -> list[Row]:
    from g2a_tray.core.sessions.store import SessionStore

    def status(profile: Profile, *args: str) -> Callable[[], tuple[float, float]]:
        return lambda: run_once([*G2A, "status", *args], desk.env(profile))

    r = interleaved(
        {
            "json empty": status(empty, "--json"),
            "json full": status(full, "--json"),
            "limit empty": status(empty, "--json", "--limit", "10"),
            "limit full": status(full, "--json", "--limit", "10"),
        },
        runs,
    )
    t = {name: median([x[0] for x in rows]) for name, rows in r.items()}
    m = {name: median([x[1] for x in rows]) for name, rows in r.items()}
    windows: dict[str, list[float]] = {"empty": [], "full": []}
    for _ in range(max(3, runs // 2)):
        windows["empty"].append(history_window_visible(desk, empty))
        windows["full"].append(history_window_visible(desk, full))
    w = {name: median(v) for name, v in windows.items()}

    def refresh(profile: Profile) -> float:
        store = SessionStore(profile.root / "data" / "g2a-tray" / "sessions.sqlite3", check=False)
        samples = []
        for _ in range(200):
            start = time.perf_counter()
            store.sessions(limit=10)
            store.open_sessions()
            samples.append(time.perf_counter() - start)
        store.close()
        return median(samples)

    q = {"empty": refresh(empty), "full": refresh(full)}
    return [
        (
            "`status --json` time",
            ms(t["json full"]),
            f"empty {ms(t['json empty'])}",
            f"{t['json full'] / t['json empty']:.2f}×",
        ),
        (
            "`status --json` peak RSS",
            f"{m['json full']:.1f} MiB",
            f"empty {m['json empty']:.1f} MiB",
            f"{m['json full'] / m['json empty']:.2f}×",
        ),
        (
            "`status --json --limit 10`",
            ms(t["limit full"]),
            f"empty {ms(t['limit empty'])}",
            f"{t['limit full'] / t['limit empty']:.2f}×",
        ),
        (
            "history window visible",
            ms(w["full"]),
            f"empty {ms(w['empty'])}",
            f"{w['full'] / w['empty']:.2f}×",
        ),
        (
            "Recent-sessions queries",
            ms(q["full"]),
            f"empty {ms(q['empty'])}",
            f"{q['full'] / q['empty']:.2f}×",
        ),
    ]


def _rss(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def growth_in_one_run(desk: Desktop, profile: Profile) -> list[Row]:
    """RSS before and after 1,000 sessions and 10,000 callbacks (notifications off: the
    tray's balloons are not what is measured)."""
    import httpx

    from g2a_tray.client import send_request
    from g2a_tray.core.instance.protocol import Command, request, socket_name

    profile.write_settings("[callback]\nlisten_port = 0\n[notifications]\nenabled = false\n")
    app = AppProcess(profile, desk.env(profile))
    app.start()
    assert app.proc is not None
    try:
        time.sleep(3)
        before = _rss(app.proc.pid)
        name = socket_name(profile.config_dir)
        urls = []
        for i in range(1000):
            answer = send_request(name, request(Command.START, partnerObject=str(i)))
            urls.append(answer["url"])
        from urllib.parse import parse_qs, urlsplit

        callbacks = [parse_qs(urlsplit(u).query)["sessionStatusCallbackUrl"][0] for u in urls]
        time.sleep(1)
        after_sessions = _rss(app.proc.pid)
        with httpx.Client(timeout=10) as client:
            for n in range(10_000):
                status = ("active", "active", "complete")[n % 3]
                client.post(
                    callbacks[n % 1000], json={"sessionId": f"S{n % 1000}", "status": status}
                )
        time.sleep(3)  # the coalesced refreshes have run
        after = _rss(app.proc.pid)
    finally:
        app.stop()
    return [
        (
            "RSS after 1,000 sessions",
            f"{after_sessions:.1f} MiB",
            f"after start {before:.1f} MiB",
            f"{after_sessions / before:.3f}×",
        ),
        (
            "RSS after 1,000 sessions + 10,000 callbacks",
            f"{after:.1f} MiB",
            f"after start {before:.1f} MiB",
            f"{after / before:.3f}×",
        ),
    ]


def table(title: str, rows: list[Row]) -> None:
    print(f"\n{title}\n")
    print("| figure | g2a-tray | reference | ratio |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--idle", type=float, default=30.0, help="seconds of idle measured")
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--growth", action="store_true", help="also the 10,000-callback run")
    parser.add_argument(
        "--only", choices=("first", "second", "growth"), help="one table (or the growth run)"
    )
    parser.add_argument("--fill", help=argparse.SUPPRESS)  # the history writer's own process
    args = parser.parse_args()
    if args.fill:
        # Written in a process of its own: a child forked from a bench holding the rows
        # would report the bench's memory as its own peak.
        fill_history(Profile(Path(args.fill)), args.history)
        return
    with tempfile.TemporaryDirectory() as tmp:
        desk, why = start_desktop(Path(tmp))
        if desk is None:
            raise SystemExit(f"needs Xvfb and trayer: {why}")
        try:
            empty = Profile.create(Path(tmp) / "empty")
            full = Profile.create(Path(tmp) / "full")
            for profile in (empty, full):
                profile.write_settings("[callback]\nlisten_port = 0\n")
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tests.benchmarks.bench_performance",
                    "--fill",
                    str(full.root),
                    "--history",
                    str(args.history),
                ],
                check=True,
                cwd=ROOT,
            )
            size = (full.root / "data" / "g2a-tray" / "sessions.sqlite3").stat().st_size
            print(
                f"history of {args.history:,} launches: {size / 2**20:.0f} MiB, "
                f"written in {time.perf_counter() - started:.1f} s"
            )
            print(
                f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
                f"median of {args.runs} interleaved runs"
            )
            if args.only in (None, "first", "second"):
                venv = installed_venv(Path(tmp) / "venv")
                first, history = startup(desk, empty, full, args.runs, venv)
            if args.only in (None, "first"):
                first += cli(desk, empty, args.runs, venv)
                first += x11_hot_path(desk, venv, args.runs, Path(tmp))
                first += wayland_hot_path(venv, args.runs, Path(tmp))
                first += idle(desk, Profile.create(Path(tmp) / "idle"), args.idle)
                table("Against a bare tray icon and `python -c pass`", first)
                table(
                    "Resident memory 1 s after start, the biggest differences",
                    memory_breakdown(desk, Profile.create(Path(tmp) / "memory"), venv),
                )
            if args.only in (None, "second"):
                second = [history, *growth_of_history(desk, empty, full, args.runs)]
                table(f"A history of {args.history:,} launches against an empty one", second)
            if args.growth or args.only == "growth":
                table(
                    "Memory over a long run",
                    growth_in_one_run(desk, Profile.create(Path(tmp) / "growth")),
                )
        finally:
            desk.stop()


if __name__ == "__main__":
    main()
