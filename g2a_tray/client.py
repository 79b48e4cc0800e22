"""Talking to the running app from a later ``g2a-tray`` process, and starting it.

A CLI verb is a client, not a Qt program: this module uses the standard library only
(the client verbs import no Qt; tests/process/test_app_process.py checks what they load).

On Unix the app's instance socket (``qt/local_links.py``) is a Unix socket in a private folder
(:func:`g2a_tray.core.instance.protocol.runtime_dir`). Before a byte is sent, the peer's
credentials are checked: the process that listens must run as this user (Linux:
``SO_PEERCRED``; elsewhere the socket file's owner), so a ticket id never goes to a
socket another user made. Windows has no Unix sockets there: its named pipes are
reached through Qt's own client (``qt/single_instance.send_request_qt``), imported only
on that platform. That is why this module sits above ``qt/``, not in the core.
"""

from __future__ import annotations

import _socket  # the socket module's C half: ``socket`` itself imports enum and selectors
import os
import sys
import time

from g2a_tray.core.instance import protocol

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (mypy knows it)
if TYPE_CHECKING:  # imported when used: a verb that only sends a request needs none
    import subprocess
    from pathlib import Path
    from typing import Any

    from g2a_tray.core.instance.client_paths import ClientPaths
    from g2a_tray.core.paths import AppPaths

    Paths = AppPaths | ClientPaths

CONNECT_TIMEOUT_S = 1.0
REPLY_TIMEOUT_S = 10.0
APP_START_TIMEOUT_S = 20.0
QUIT_TIMEOUT_S = 15.0
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class NotRunning(Exception):
    """No app answers on the socket."""


class WrongOwner(Exception):
    """Something listens on the socket, but it is not this user's g2a-tray."""


class ClientError(Exception):
    """What a verb tells the user before it exits with ``code``."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def _peer_uid(sock: _socket.socket, path: str) -> int:
    if hasattr(_socket, "SO_PEERCRED"):
        creds = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)  # struct ucred
        return int.from_bytes(creds[4:8], sys.byteorder, signed=True)  # pid, *uid*, gid
    return os.stat(path).st_uid  # macOS/BSD: the folder is private; check the file too


def send_request(
    name: str, message: dict[str, Any], timeout_s: float = REPLY_TIMEOUT_S
) -> dict[str, Any]:
    """Send one request to the running app and return its response.

    Raises :class:`NotRunning` when no app listens, :class:`WrongOwner` when another
    user's process does, ``TimeoutError`` when it does not answer in time, and
    ``protocol.ProtocolError`` for a garbled answer.
    """
    if sys.platform == "win32":
        from g2a_tray.qt.single_instance import send_request_qt

        try:
            return send_request_qt(name, message, int(timeout_s * 1000))
        except ConnectionRefusedError as exc:
            raise NotRunning(str(exc)) from None
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.settimeout(CONNECT_TIMEOUT_S)
        try:
            sock.connect(name)
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            raise NotRunning(exc.strerror or str(exc)) from None
        except OSError as exc:
            raise NotRunning(str(exc)) from None
        uid = _peer_uid(sock, name)
        if uid != os.getuid():
            raise WrongOwner(
                f"the g2a-tray socket {name} is held by another user's process (uid {uid}); "
                "nothing was sent to it"
            )
        deadline = time.monotonic() + timeout_s
        try:
            sock.sendall(protocol.encode(message))
            answer = protocol.LineBuffer()
            line = None
            while line is None:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                line = answer.feed(sock.recv(65536))
        except TimeoutError:
            raise TimeoutError("the running g2a-tray did not answer in time") from None
        except (BrokenPipeError, ConnectionResetError):
            raise protocol.ProtocolError("the running g2a-tray closed the connection") from None
        return protocol.decode_response(line)
    finally:
        sock.close()


def is_running(name: str) -> bool:
    """Whether this user's app answers on ``name`` (another user's process does not count)."""
    try:
        ping = protocol.request(protocol.Command.PING)
        return bool(send_request(name, ping, timeout_s=3.0).get("ok"))
    except (NotRunning, TimeoutError, protocol.ProtocolError):
        return False


def socket_name_for(paths: Paths) -> str:
    """The running app's socket for this profile (raises ClientError when the private
    folder it lives in is not safe to use)."""
    try:
        return protocol.socket_name(paths.config_dir)
    except protocol.UnsafeRuntimeDir as exc:
        raise ClientError(str(exc)) from None


def _send(name: str, message: dict[str, Any]) -> dict[str, Any]:
    try:
        return send_request(name, message)
    except WrongOwner as exc:
        raise ClientError(str(exc)) from None
    except (TimeoutError, protocol.ProtocolError) as exc:
        raise ClientError(f"the running g2a-tray did not answer properly: {exc}") from None


def request_app(paths: Paths, message: dict[str, Any], *, start_app: bool) -> dict[str, Any]:
    """Send ``message`` to the running app, starting one first if asked to; an answer
    that is not ``ok`` raises ClientError with the app's reason (exit code 2)."""
    name = socket_name_for(paths)
    try:
        response = _send(name, message)
    except NotRunning:
        if not start_app:
            raise ClientError("g2a-tray is not running.") from None
        child, errors = _spawn_app(paths)
        deadline = time.monotonic() + APP_START_TIMEOUT_S
        while not is_running(name):
            if child.poll() is not None:  # it died: say why now, not after the time-out
                raise ClientError(_why_not_started(child.returncode, errors)) from None
            if time.monotonic() > deadline:
                raise ClientError(
                    f"g2a-tray did not start in time; see the log in {paths.log_dir}"
                ) from None
            time.sleep(0.05)  # polling another process's socket: no signal to wait on
        response = _send(name, message)
    if not response.get("ok"):
        raise ClientError(str(response.get("error", "the request failed")), EXIT_USAGE)
    return response


def quit_app(paths: Paths) -> bool:
    """Ask the running app to quit and return once it has really gone (its port,
    shortcut and database released), so that a script can start another at once.
    False when none was running."""
    try:
        response = _send(socket_name_for(paths), protocol.request(protocol.Command.QUIT))
    except NotRunning:
        return False
    pid = response.get("pid")
    if isinstance(pid, int):
        wait_until_gone(pid, QUIT_TIMEOUT_S)
    return True


def wait_until_gone(pid: int, timeout_s: float) -> None:
    """Return once process ``pid`` has ended (its files, and so its socket, port and
    database, closed); ClientError after ``timeout_s``. Linux says when, through a pidfd
    (readable once the process has ended); elsewhere it is asked every 50 ms."""
    deadline = time.monotonic() + timeout_s
    pidfd = _pidfd(pid)
    try:
        while _alive(pid):
            left = deadline - time.monotonic()
            if left <= 0:
                raise ClientError(
                    f"g2a-tray (process {pid}) was asked to quit but is still running"
                )
            if pidfd is None:
                time.sleep(min(left, 0.05))
                continue
            import select

            if select.select([pidfd], [], [], left)[0]:
                return
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _pidfd(pid: int) -> int | None:
    opener = getattr(os, "pidfd_open", None)
    if opener is None:
        return None
    try:
        return int(opener(pid))
    except OSError:  # gone already, or a kernel before 5.3
        return None


def _alive(pid: int) -> bool:
    if sys.platform == "win32":
        return False  # no cheap check there; the request was answered
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # an exited child its parent has not reaped yet (a zombie) has gone too
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            stat = fh.read()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _spawn_app(paths: Paths) -> tuple[subprocess.Popen[bytes], Path]:
    """Start the tray app as its own process, detached from this terminal. Its stderr
    goes to a file beside the log: what it says if it dies before it can log (Qt finding
    no display, a broken install) is what the user needs to read."""
    import logging
    import subprocess

    from g2a_tray.logging_setup import setup_logging
    from g2a_tray.spawn import app_command, child_env, neutral_cwd

    setup_logging(paths.log_file)
    cmd = app_command("run", "--background")
    logging.getLogger(__name__).info("starting the app: %s", cmd)
    errors = paths.log_dir / "g2a-tray-start.err"
    try:
        errors.parent.mkdir(parents=True, exist_ok=True)
        stderr = errors.open("wb")
    except OSError:
        stderr = None  # nowhere to keep it: the time-out's message still points at the log
    try:
        child = subprocess.Popen(
            cmd,
            cwd=neutral_cwd(),
            env=child_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr if stderr is not None else subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )
    finally:
        if stderr is not None:
            stderr.close()  # the child has its own copy
    return child, errors


def _why_not_started(code: int, errors: Path) -> str:
    """Plain words for an app that exited before answering, with the line of what it
    printed that says most (Qt prints several; the first about the display says why)."""
    from g2a_tray.core.text import printable

    try:
        said = [
            line.strip()
            for line in errors.read_text(encoding="utf-8", errors="replace").splitlines()
            if line.strip()
        ]
    except OSError:
        said = []
    about_display = [line for line in said if "display" in line.lower()]
    how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
    if about_display:
        why = printable(about_display[0])[:200].rstrip(". ")
        return (
            f"the app could not start ({how}): {why}. It needs a graphical session "
            f"(DISPLAY or WAYLAND_DISPLAY). What it printed is in {errors}."
        )
    last = printable(said[-1])[:200].rstrip(". ") if said else "it printed nothing"
    return f"the app could not start ({how}): {last}. What it printed is in {errors}."
