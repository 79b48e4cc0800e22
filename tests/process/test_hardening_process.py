"""The real app as a process against a squatter on the same machine, garbage on its
socket, a terminal's Ctrl+C and the signals a session manager sends, and "quit" with
windows open; and that no secret reaches a log."""

from __future__ import annotations

import hashlib
import json
import os
import pty
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from g2a_tray.core.instance.protocol import socket_name
from tests.helpers.app_process import AppProcess
from tests.helpers.desktop import Desktop
from tests.helpers.procs import ROOT, unavailable, wait_for
from tests.helpers.profile import Profile

NOBODY = 65534
SYSTEM_PYTHON = "/usr/bin/python3"  # the venv's interpreter lives under /root (0700)


def need_root_and_runuser() -> None:
    if os.geteuid() != 0:
        unavailable("the squatter tests create files as another user, which needs root")
    if shutil.which("runuser") is None or not Path(SYSTEM_PYTHON).exists():
        unavailable("runuser and /usr/bin/python3 (util-linux, python3) are needed")


@pytest.fixture
def app(desktop: Desktop, profile: Profile) -> Iterator[AppProcess]:
    proc = AppProcess(profile, desktop.env(profile))
    yield proc
    proc.stop()


# -- another user on the same machine

SQUATTER = r"""
import os, socket, sys
folder, path, drop = sys.argv[1], sys.argv[2], sys.argv[3] == "drop"
os.makedirs(folder, mode=0o700, exist_ok=True)
sock = socket.socket(socket.AF_UNIX)
sock.bind(path)
if drop:  # bound as root inside the victim's folder, listening as nobody
    os.setgid(65534)
    os.setuid(65534)
sock.listen(8)
print("ready", flush=True)
sock.settimeout(15)
try:
    while True:
        conn, _ = sock.accept()
        conn.settimeout(2)
        try:
            data = conn.recv(65536)
        except OSError:
            data = b""
        print("GOT", data.decode("utf-8", "replace").strip(), flush=True)
        conn.sendall(b'{"v": 1, "ok": true, "url": "https://evil.example/", "opened": true, "version": "x", "pid": 1}\n')
        conn.close()
except OSError:
    pass
"""


def _digest(config_dir: Path) -> str:
    return hashlib.sha256(str(config_dir.resolve()).encode("utf-8")).hexdigest()[:16]


def test_a_runtime_folder_made_by_another_user_is_refused(tmp_path: Path, profile: Profile) -> None:
    need_root_and_runuser()
    # Like /tmp: anyone may create a folder in it (pytest's own folders are 0700).
    shared_tmp = Path(tempfile.mkdtemp(prefix="g2a-shared-tmp-", dir="/tmp"))
    shared_tmp.chmod(0o1777)
    folder = shared_tmp / "g2a-tray-0"
    sock_path = folder / f"instance-{_digest(profile.config_dir)}.sock"
    squatter = subprocess.Popen(
        [
            "runuser",
            "-u",
            "nobody",
            "--",
            SYSTEM_PYTHON,
            "-c",
            SQUATTER,
            str(folder),
            str(sock_path),
            "keep",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert squatter.stdout is not None
        assert squatter.stdout.readline().strip() == "ready", (
            squatter.stderr.read() if squatter.stderr else ""
        )
        assert folder.stat().st_uid == NOBODY
        env = {**os.environ, **profile.xdg_env(), "TMPDIR": str(shared_tmp)}
        env.pop("XDG_RUNTIME_DIR", None)
        run = AppProcess(profile, env).cli
        started = run("start", "4711")
        assert started.returncode == 1, started
        assert "belongs to another user" in started.stderr
        assert "evil.example" not in started.stdout
        plain = run("run", timeout=60)
        assert plain.returncode == 1 and "belongs to another user" in plain.stderr
    finally:
        squatter.terminate()
        out, _ = squatter.communicate(timeout=10)
        shutil.rmtree(shared_tmp, ignore_errors=True)
    assert "GOT" not in out  # nothing of the victim's ever reached the squatter


def test_a_socket_served_by_another_user_gets_nothing(tmp_path: Path, profile: Profile) -> None:
    need_root_and_runuser()
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, **profile.xdg_env(), "XDG_RUNTIME_DIR": str(runtime)}
    folder = runtime / "g2a-tray"
    sock_path = folder / f"instance-{_digest(profile.config_dir)}.sock"
    squatter = subprocess.Popen(
        [SYSTEM_PYTHON, "-c", SQUATTER, str(folder), str(sock_path), "drop"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert squatter.stdout is not None
        assert squatter.stdout.readline().strip() == "ready"
        started = AppProcess(profile, env).cli("start", "4711")
        assert started.returncode == 1, started
        assert "another user's process (uid 65534)" in started.stderr
        assert "evil.example" not in started.stdout
    finally:
        squatter.terminate()
        out, _ = squatter.communicate(timeout=10)
    # The client connected (that is how it learns who listens) but sent not a byte.
    assert [
        line for line in out.splitlines() if line.startswith("GOT") and line.strip() != "GOT"
    ] == []


# -- garbage on the instance socket


def _raw_exchange(name: str, data: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(20)
        sock.connect(name)
        sock.sendall(data)
        answer = b""
        while b"\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer


def test_garbage_on_the_instance_socket_gets_an_error_reply(
    app: AppProcess, profile: Profile
) -> None:
    app.start()
    name = socket_name(profile.config_dir)
    for garbage in (
        b"x" * 30_000 + b"\n",
        b"[" * 100_000 + b"\n",
        b'{"v": 1, "cmd": "ping", "n": ' + b"9" * 5000 + b"}\n",
        b"\xff\xfe\n",
        b'{"v": 1, "cmd": "start", "partnerObject": {"deep": [1]}}\n',
    ):
        reply = json.loads(_raw_exchange(name, garbage))
        assert reply["ok"] is False and reply["error"], garbage[:40]
    assert app.ping()
    log = profile.log_file.read_text()
    assert "uncaught exception" not in log and "Traceback" not in log


# -- quitting


def _gone(path: str) -> bool:
    return not Path(path).exists()


def test_quit_ends_the_app_with_form_history_and_a_message_box_open(
    app: AppProcess, profile: Profile
) -> None:
    app.start()
    assert app.cli("new-session").returncode == 0
    assert app.cli("history").returncode == 0
    refused = app.cli("open", "g2a-tray://start?evil=%3Cb%3Ex%3C%2Fb%3E")  # a message box
    assert refused.returncode == 2
    name = socket_name(profile.config_dir)
    assert app.cli("quit").returncode == 0
    assert app.proc is not None
    assert app.proc.wait(15) == 0
    assert _gone(name) and _gone(f"{name}.lock")


class Terminal:
    """What a pseudo-terminal showed, read on a thread so the program never blocks on it."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.shown = b""
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                data = b""
            with self._changed:
                self.shown += data
                self._changed.notify_all()
            if not data:
                return

    def wait_for(self, marker: bytes, timeout: float) -> bytes:
        with self._changed:
            if not self._changed.wait_for(lambda: marker in self.shown, timeout):
                raise AssertionError(f"no {marker!r} in {self.shown[-500:]!r}")
            return self.shown

    def type(self, data: bytes) -> None:
        os.write(self.master, data)


def _run_in_pty(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``args`` with a new pseudo-terminal as its controlling terminal."""
    import fcntl
    import termios

    master, slave = pty.openpty()

    def take_terminal() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(
        args,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=ROOT,
        start_new_session=True,
        preexec_fn=take_terminal,  # noqa: PLW1509 (runs after setsid, before exec)
    )
    os.close(slave)
    return proc, master


def test_ctrl_c_in_a_terminal_quits_cleanly(desktop: Desktop, profile: Profile) -> None:
    env = desktop.env(profile)
    name = socket_name(profile.config_dir)
    proc, master = _run_in_pty([sys.executable, "-m", "g2a_tray", "run"], env)
    terminal = Terminal(master)
    try:
        app = AppProcess(profile, env)
        wait_for(app.ping, 30, "the app to answer on its socket")
        terminal.type(b"\x03")  # the terminal turns it into SIGINT for its foreground group
        assert proc.wait(15) == 0
        assert _gone(name) and _gone(f"{name}.lock")
        assert "SIGINT received: quitting" in profile.log_file.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_quit_cleanly(app: AppProcess, profile: Profile, signum: int) -> None:
    app.start()
    assert app.cli("new-session").returncode == 0
    assert app.proc is not None
    app.proc.send_signal(signum)
    assert app.proc.wait(15) == 0
    name = socket_name(profile.config_dir)
    assert _gone(name) and _gone(f"{name}.lock")


def test_demo_ends_on_ctrl_c_and_removes_its_profile(desktop: Desktop, profile: Profile) -> None:
    env = desktop.env(profile)
    proc, master = _run_in_pty([sys.executable, "-m", "g2a_tray", "demo"], env)
    terminal = Terminal(master)
    try:
        seen = terminal.wait_for(b"demo is running", 60)
        demo_profile = seen.split(b"(profile ", 1)[1].split(b")", 1)[0].decode()
        assert Path(demo_profile).is_dir()
        started = time.monotonic()
        terminal.type(b"\x03")
        assert proc.wait(15) == 0
        print(f"\ndemo ended {time.monotonic() - started:.2f} s after Ctrl+C")
        assert not Path(demo_profile).exists()
        # The demo never writes into the user's own log.
        assert not profile.log_file.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
