"""Real Wayland compositors for tests that run the app as a process: sway (wlroots, a
tiling compositor) and mutter (GNOME's), both headless.

What works on these machines is measured in ``../shared/reference/qt-desktop-notes.md``:

- sway refuses to run as root, so under root it runs as ``nobody`` (``setpriv``) in a
  runtime folder of its own; the app and the tools (wtype, swaymsg, grim) stay this
  user and reach it through absolute paths (``WAYLAND_DISPLAY`` may be a path, and root
  may open another user's socket). As any other user everything runs as that user.
- Keys go in the way a keyboard would put them: sway through the virtual-keyboard
  protocol (``wtype``; its first key carries the keymap, hence ``-s 250``), mutter
  through its own ``org.gnome.Mutter.RemoteDesktop`` API. Neither says which window
  gets them: the compositor decides, which is what the tests are about.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.helpers.buses import SessionBus
from tests.helpers.procs import stop_processes, unavailable, wait_for
from tests.helpers.profile import Profile

NOBODY = 65534


@dataclass
class Window:
    """A toplevel as the compositor sees it."""

    title: str
    focused: bool
    width: int
    height: int
    floating: bool
    x: int = 0
    y: int = 0  # of the title bar, where there is one
    title_bar: int = 0


@dataclass
class Compositor:
    """What both compositors offer a test: an environment, windows, keys."""

    socket: str  # the absolute path of the Wayland socket
    workdir: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def env(self, profile: Profile, bus: SessionBus | str | None = None) -> dict[str, str]:
        """The app's environment: this compositor, no X, the profile, ``bus`` or none."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("XDG_", "QT_QPA", "WAYLAND_", "SWAYSOCK"))
            and k not in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS")
        }
        env.update(profile.xdg_env())
        # No XDG_RUNTIME_DIR, as in Desktop.env: the app's socket is then where this test
        # process looks for it (core/instance/protocol.py falls back to /tmp).
        env["WAYLAND_DISPLAY"] = self.socket
        env["QT_QPA_PLATFORM"] = "wayland"
        env["XDG_SESSION_TYPE"] = "wayland"
        env["PATH"] = f"{profile.root / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        address = bus.address if isinstance(bus, SessionBus) else bus
        env["DBUS_SESSION_BUS_ADDRESS"] = address or "unix:path=/nonexistent"
        return env

    def windows(self) -> list[Window]:
        raise NotImplementedError

    def window(self, title: str) -> Window | None:
        found = [w for w in self.windows() if w.title.startswith(title)]
        return found[0] if found else None

    def wait_focused(self, title: str, timeout: float = 10) -> Window:
        def focused() -> bool:
            window = self.window(title)
            return window is not None and window.focused

        wait_for(focused, timeout, f"{title!r} to have the keyboard focus ({self.windows()})")
        found = self.window(title)
        assert found is not None
        return found

    def type(self, text: str) -> None:
        raise NotImplementedError

    def key(self, name: str) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        stop_processes(self.procs)
        shutil.rmtree(self.workdir, ignore_errors=True)


class Sway(Compositor):
    """sway's headless backend; windows from ``swaymsg -t get_tree``."""

    ipc: str = ""

    def _tool_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
        env.update(WAYLAND_DISPLAY=self.socket, SWAYSOCK=self.ipc)
        return env

    def _run(self, *args: str) -> str:
        out = subprocess.run(
            args, env=self._tool_env(), capture_output=True, text=True, timeout=20, check=True
        )
        return out.stdout

    def windows(self) -> list[Window]:
        found: list[Window] = []

        def walk(node: dict[str, Any], floating: bool) -> None:
            if node.get("type") in ("con", "floating_con") and node.get("pid"):
                rect, title_bar = node["rect"], node.get("deco_rect", {}).get("height", 0)
                found.append(
                    Window(
                        node.get("name") or "",
                        node["focused"],
                        rect["width"],
                        rect["height"],  # the window's own size, as the app asked
                        floating,
                        rect["x"],
                        rect["y"] - title_bar,
                        title_bar,
                    )
                )
            for child in node.get("nodes", []):
                walk(child, floating)
            for child in node.get("floating_nodes", []):
                walk(child, True)

        walk(json.loads(self._run("swaymsg", "-t", "get_tree")), False)
        return found

    def type(self, text: str) -> None:
        self._run("wtype", "-s", "250", text)

    def key(self, name: str) -> None:
        self._run("wtype", "-s", "250", "-k", name)

    def screenshot(self, path: Path) -> None:
        self._run("grim", str(path))


def start_sway(workdir: Path) -> tuple[Sway | None, str]:
    for tool in ("sway", "swaymsg", "wtype", "grim"):
        if shutil.which(tool) is None:
            return None, f"{tool} is not installed (bash .ci/setup installs it)"
    # Its own folder outside the test's (pytest's is private to this user, and sway may
    # run as another): the socket, the IPC socket and the config live here.
    runtime = Path(tempfile.mkdtemp(prefix="g2a-sway-"))
    config = runtime / "sway.conf"
    config.write_text("output HEADLESS-1 resolution 1280x800\n")
    env = {
        "PATH": "/usr/bin:/bin",
        "XDG_RUNTIME_DIR": str(runtime),
        "WLR_BACKENDS": "headless",
        "WLR_LIBINPUT_NO_DEVICES": "1",
        "WLR_RENDERER": "pixman",
    }
    command = ["sway", "-c", str(config)]
    if os.geteuid() == 0:  # sway will not run as root
        os.chown(runtime, NOBODY, NOBODY)
        os.chown(config, NOBODY, NOBODY)
        command = [
            "setpriv",
            f"--reuid={NOBODY}",
            f"--regid={NOBODY}",
            "--clear-groups",
            "env",
            "-i",
            *(f"{k}={v}" for k, v in env.items()),
            *command,
        ]
    log = (workdir / "sway.log").open("wb")  # kept with the test's files
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    sway = Sway(str(runtime / "wayland-1"), runtime, [proc])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ipc = sorted(runtime.glob("sway-ipc.*.sock"))
        if ipc and (runtime / "wayland-1").exists():
            sway.ipc = str(ipc[0])
            return sway, ""
        if proc.poll() is not None:
            break
        time.sleep(0.05)  # another process's start: nothing to wait on but its files
    sway.stop()
    return None, f"sway did not start: {(workdir / 'sway.log').read_text()[-800:]}"


def running_sway(workdir: Path) -> Iterator[Sway]:
    sway, why_not = start_sway(workdir)
    if sway is None:
        unavailable(f"a Wayland compositor (sway): {why_not}")
    try:
        yield sway
    finally:
        sway.stop()


RETURN, ESCAPE, SHIFT = 0xFF0D, 0xFF1B, 0xFFE1
REMOTE_DESKTOP = "org.gnome.Mutter.RemoteDesktop"


class Mutter(Compositor):
    """GNOME's compositor, headless, on a private session bus. It has no window list a
    test can read without gnome-shell; its keys come from its RemoteDesktop API, which
    types into whatever has the keyboard focus, so what a test sees is where they went."""

    bus_address: str = ""
    _conn: Any = None
    _session: Any = None

    def _remote(self) -> tuple[Any, Any]:
        from jeepney import DBusAddress, new_method_call
        from jeepney.io.blocking import open_dbus_connection

        if self._session is None:
            self._conn = open_dbus_connection(self.bus_address)
            desktop = DBusAddress(
                "/org/gnome/Mutter/RemoteDesktop", bus_name=REMOTE_DESKTOP, interface=REMOTE_DESKTOP
            )
            reply = self._conn.send_and_get_reply(
                new_method_call(desktop, "CreateSession"), timeout=10
            )
            session = DBusAddress(
                reply.body[0], bus_name=REMOTE_DESKTOP, interface=f"{REMOTE_DESKTOP}.Session"
            )
            self._conn.send_and_get_reply(new_method_call(session, "Start"), timeout=10)
            self._session = session
            self._keysym(SHIFT)  # the first key of a session sets the keymap up and is lost
        return self._conn, self._session

    def _keysym(self, keysym: int) -> None:
        from jeepney import new_method_call

        conn, session = self._remote()
        for pressed in (True, False):
            reply = conn.send_and_get_reply(
                new_method_call(session, "NotifyKeyboardKeysym", "ub", (keysym, pressed)),
                timeout=10,
            )
            assert reply.header.message_type.name != "error", reply.body

    def type(self, text: str) -> None:
        # The first key after the focus moved to a new surface was lost here, every time
        # (mutter sets the virtual keyboard's keymap up for it): a Shift goes first. With
        # both cores busy one more key was lost now and then, right after the form logged
        # the focus: a person's reaction time (0.2 s) follows, there being no signal for
        # "mutter's keymap is ready" to wait on.
        self._keysym(SHIFT)
        time.sleep(0.2)
        for ch in text:  # Latin-1 keysyms are the characters' code points
            self._keysym(ord(ch))

    def key(self, name: str) -> None:
        self._keysym({"Return": RETURN, "Escape": ESCAPE}[name])

    def windows(self) -> list[Window]:
        raise NotImplementedError("mutter has no window list without gnome-shell")

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        super().stop()


def start_mutter(workdir: Path) -> tuple[Mutter | None, str]:
    from tests.helpers.buses import start_dbus_daemon

    for tool in ("mutter", "dbus-daemon"):
        if shutil.which(tool) is None:
            return None, f"{tool} is not installed (bash .ci/setup installs it)"
    daemon, address = start_dbus_daemon()
    if not address:
        daemon.kill()
        return None, "dbus-daemon did not start"
    runtime = Path(tempfile.mkdtemp(prefix="g2a-mutter-"))
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")},
        "XDG_RUNTIME_DIR": str(runtime),
        "DBUS_SESSION_BUS_ADDRESS": address,
    }
    log = (workdir / "mutter.log").open("wb")
    proc = subprocess.Popen(
        [
            "mutter",
            "--headless",
            "--wayland",
            "--no-x11",
            "--virtual-monitor",
            "1280x800",
            "--wayland-display",
            "g2a-test",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    mutter = Mutter(str(runtime / "g2a-test"), runtime, [daemon, proc])  # type: ignore[list-item]
    mutter.bus_address = address
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and proc.poll() is None:
        if (runtime / "g2a-test").exists() and _owned(address, REMOTE_DESKTOP):
            return mutter, ""
        time.sleep(0.05)  # another process's start: nothing to wait on but its files
    mutter.stop()
    return None, f"mutter did not start: {(workdir / 'mutter.log').read_text()[-800:]}"


def _owned(address: str, name: str) -> bool:
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    bus = DBusAddress(
        "/org/freedesktop/DBus", bus_name="org.freedesktop.DBus", interface="org.freedesktop.DBus"
    )
    with open_dbus_connection(address) as conn:
        reply = conn.send_and_get_reply(
            new_method_call(bus, "NameHasOwner", "s", (name,)), timeout=5
        )
    return bool(reply.body[0])


def running_mutter(workdir: Path) -> Iterator[Mutter]:
    mutter, why_not = start_mutter(workdir)
    if mutter is None:
        unavailable(f"GNOME's compositor (mutter): {why_not}")
    try:
        yield mutter
    finally:
        mutter.stop()


class Plasma(Compositor):
    """KWin (Plasma 5.27) headless with the real GlobalShortcuts portal: Debian's
    xdg-desktop-portal and xdg-desktop-portal-kde on a private session bus. KWin holds
    kglobalaccel, which the tests ask what is bound and tell to fire a shortcut."""

    bus_address: str = ""

    def kglobalaccel(
        self,
        path: str,
        interface: str,
        method: str,
        signature: str = "",
        body: tuple[Any, ...] = (),
    ) -> Any:
        from jeepney import DBusAddress, new_method_call
        from jeepney.io.blocking import open_dbus_connection

        address = DBusAddress(path, bus_name="org.kde.kglobalaccel", interface=interface)
        with open_dbus_connection(self.bus_address) as conn:
            reply = conn.send_and_get_reply(
                new_method_call(address, method, signature, body), timeout=10
            )
        assert reply.header.message_type.name != "error", reply.body
        return reply.body

    def active_keys(self, component: str, shortcut: str) -> list[int] | None:
        """The keys kglobalaccel really gave ``shortcut`` (Qt key codes), None if it has
        no such component or shortcut."""
        [components] = self.kglobalaccel("/kglobalaccel", "org.kde.KGlobalAccel", "allComponents")
        if f"/component/{component}" not in components:
            return None
        [infos] = self.kglobalaccel(
            f"/component/{component}", "org.kde.kglobalaccel.Component", "allShortcutInfos"
        )
        for info in infos:
            if info[0] == shortcut:
                return [int(key) for key in info[6] if int(key)]
        return None

    def press(self, component: str, shortcut: str) -> None:
        self.kglobalaccel(
            f"/component/{component}",
            "org.kde.kglobalaccel.Component",
            "invokeShortcut",
            "s",
            (shortcut,),
        )

    def take_key(self, key: int) -> None:
        """Another program's shortcut on ``key``, as a desktop has for many keys."""
        action = ["another-app", "its-action", "Another app", "Its action"]
        iface = "org.kde.KGlobalAccel"
        self.kglobalaccel("/kglobalaccel", iface, "doRegister", "as", (action,))
        self.kglobalaccel("/kglobalaccel", iface, "setShortcut", "asaiu", (action, [key], 2))


KWIN = "/usr/bin/kwin_wayland"
PORTAL_KDE = "/usr/lib/x86_64-linux-gnu/libexec/xdg-desktop-portal-kde"
PORTAL = "/usr/libexec/xdg-desktop-portal"


def start_plasma(workdir: Path) -> tuple[Plasma | None, str]:
    from tests.helpers.buses import start_dbus_daemon

    for tool in (KWIN, PORTAL_KDE, PORTAL):
        if not Path(tool).exists():
            return None, f"{tool} is not installed (bash .ci/setup installs it)"
    # kwin_wayland carries a file capability these containers refuse; a copy has none.
    kwin = workdir / "kwin_wayland"
    shutil.copyfile(KWIN, kwin)
    kwin.chmod(0o755)
    daemon, address = start_dbus_daemon(activation=True)  # the portal starts its helpers
    if not address:
        daemon.kill()
        return None, "dbus-daemon did not start"
    runtime = Path(tempfile.mkdtemp(prefix="g2a-kwin-"))
    config = workdir / "kde-config"  # kglobalaccel keeps keys here: fresh per start
    config.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")},
        "XDG_RUNTIME_DIR": str(runtime),
        "XDG_CONFIG_HOME": str(config),
        "DBUS_SESSION_BUS_ADDRESS": address,
        "XDG_CURRENT_DESKTOP": "KDE",
        "KDE_FULL_SESSION": "true",
        "KDE_SESSION_VERSION": "5",
        "XDG_SESSION_TYPE": "wayland",
    }
    plasma = Plasma(str(runtime / "g2a-kde"), runtime, [daemon])  # type: ignore[list-item]
    plasma.bus_address = address
    log = (workdir / "kde.log").open("wb")

    def run(*command: str, **extra: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(command, env={**env, **extra}, stdout=log, stderr=subprocess.STDOUT)
        plasma.procs.append(proc)  # type: ignore[arg-type]
        return proc

    run(
        str(kwin),
        "--virtual",
        "--no-lockscreen",
        "--socket",
        "g2a-kde",
        "--width",
        "1280",
        "--height",
        "800",
    )
    try:
        wait_for(lambda: _owned(address, "org.kde.kglobalaccel"), 20, "KWin's kglobalaccel")
        run(PORTAL_KDE, WAYLAND_DISPLAY="g2a-kde", QT_QPA_PLATFORM="wayland")
        wait_for(
            lambda: _owned(address, "org.freedesktop.impl.portal.desktop.kde"),
            20,
            "the KDE portal backend",
        )
        run(PORTAL, WAYLAND_DISPLAY="g2a-kde")
        wait_for(lambda: _owned(address, "org.freedesktop.portal.Desktop"), 20, "the portal")
    except AssertionError as exc:
        plasma.stop()
        return None, f"{exc}: {(workdir / 'kde.log').read_text()[-800:]}"
    return plasma, ""


def running_plasma(workdir: Path) -> Iterator[Plasma]:
    plasma, why_not = start_plasma(workdir)
    if plasma is None:
        unavailable(f"KDE Plasma's KWin and shortcut portal: {why_not}")
    try:
        yield plasma
    finally:
        plasma.stop()
