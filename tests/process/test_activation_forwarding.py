"""``g2a-tray new-session`` carries its launcher's focus token to the running app."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

from g2a_tray.core.instance import protocol
from tests.helpers.procs import ROOT
from tests.helpers.profile import Profile


def test_new_session_forwards_its_token_to_the_running_app(tmp_path: Path) -> None:
    """A desktop shortcut runs ``g2a-tray new-session`` with XDG_ACTIVATION_TOKEN set;
    the request that reaches the app must carry it (it was dropped before)."""
    prof = Profile.create(tmp_path)
    env = {
        **os.environ,
        **prof.xdg_env(),
        "XDG_ACTIVATION_TOKEN": "tok-1",
        "DESKTOP_STARTUP_ID": "s_TIME2",
    }
    env.pop("XDG_RUNTIME_DIR", None)
    name = _socket_for(prof, env)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(name)
    server.listen(1)
    got: list[dict[str, object]] = []

    def answer() -> None:
        conn, _ = server.accept()
        with conn:
            line = protocol.LineBuffer()
            request = None
            while request is None:
                request = line.feed(conn.recv(4096))
            got.append(json.loads(request))
            conn.sendall(protocol.encode({"ok": True}))

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "g2a_tray", "new-session"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
        thread.join(10)
    finally:
        server.close()
        os.unlink(name)
    assert done.returncode == 0, done.stderr
    [request] = got
    assert request["cmd"] == "show-form"
    assert request["activationToken"] == "tok-1" and request["startupId"] == "s_TIME2"


def _socket_for(prof: Profile, env: dict[str, str]) -> str:
    code = (
        "from pathlib import Path; from g2a_tray.core.instance.protocol import socket_name;"
        f"print(socket_name(Path({str(prof.config_dir)!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()
