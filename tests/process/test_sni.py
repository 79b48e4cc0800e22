"""The tray icon on a StatusNotifierItem panel (KDE Plasma, GNOME's AppIndicator
extension, most panels), driven over D-Bus as a panel drives it.

The real app runs on Xvfb with no XEmbed tray and a private session bus; a small
StatusNotifierWatcher (tests/fakes/sni_watcher.py) stands in for the panel's registry, and
the test reads the item's properties and pixmaps, clicks it (``Activate``) and its
``com.canonical.dbusmenu`` menu (``Event "clicked"``), and starts the "panel" after
the app, as a slow session start or a panel restart does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jeepney import DBusAddress, new_method_call
from jeepney.io.blocking import DBusConnection, open_dbus_connection
from jeepney.wrappers import Properties

from tests.helpers.app_process import AppProcess
from tests.helpers.buses import start_dbus_daemon
from tests.helpers.desktop import Desktop, running_desktop
from tests.helpers.procs import ROOT, stop_processes, unavailable, wait_for
from tests.helpers.profile import Profile
from tests.process.test_app_process import FORM_TITLE, visible_windows

ITEM = "org.kde.StatusNotifierItem"
MENU = "com.canonical.dbusmenu"


class Panel:
    """A private bus, the watcher on it once started, and a connection to read items."""

    def __init__(self, workdir: Path, address: str = "") -> None:
        """On a private bus of its own, or on ``address`` (a desktop's bus)."""
        self.procs: list[subprocess.Popen[str]] = []
        self.address = address
        if not address:
            daemon, self.address = start_dbus_daemon()
            self.procs.append(daemon)
            if not self.address:
                daemon.kill()
                unavailable("a private D-Bus: dbus-daemon did not start")
        self.record = workdir / "sni-items.jsonl"
        self.conn: DBusConnection = open_dbus_connection(self.address)

    def start_watcher(self) -> None:
        watcher = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.sni_watcher", str(self.record)],
            env={**_env_without_bus(), "DBUS_SESSION_BUS_ADDRESS": self.address},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.procs.append(watcher)
        assert watcher.stdout is not None
        assert watcher.stdout.readline().strip() == "ready"

    def items(self) -> list[dict[str, str]]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text().splitlines()]

    def item(self) -> DBusAddress:
        [registered] = self.items()
        return DBusAddress(
            registered["path"] or "/StatusNotifierItem",
            bus_name=registered["service"],
            interface=ITEM,
        )

    def props(self) -> dict[str, Any]:
        reply = self.conn.send_and_get_reply(Properties(self.item()).get_all(), timeout=10)
        return {name: value for name, (_sig, value) in reply.body[0].items()}

    def call(self, address: DBusAddress, method: str, signature: str, body: tuple) -> Any:  # type: ignore[type-arg]
        msg = new_method_call(address, method, signature, body)
        return self.conn.send_and_get_reply(msg, timeout=10).body

    def menu_labels(self) -> dict[str, int]:
        """The menu's entries as a panel shows them: label (no mnemonic) → item id."""
        menu = DBusAddress(self.props()["Menu"], bus_name=self.item().bus_name, interface=MENU)
        _revision, layout = self.call(menu, "GetLayout", "iias", (0, -1, []))
        labels: dict[str, int] = {}
        for _sig, (item_id, properties, _children) in layout[2]:
            if "label" in properties:
                labels[properties["label"][1].replace("&", "").split("\t")[0]] = item_id
        return labels

    def click_menu(self, label: str) -> None:
        menu = DBusAddress(self.props()["Menu"], bus_name=self.item().bus_name, interface=MENU)
        item_id = self.menu_labels()[label]
        self.call(menu, "Event", "isvu", (item_id, "clicked", ("i", 0), 0))

    def stop(self) -> None:
        self.conn.close()
        stop_processes(self.procs)


def _env_without_bus() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}


@pytest.fixture(scope="module")
def bare_desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
    """An X display with no XEmbed tray: only a StatusNotifierItem panel can show icons."""
    yield from running_desktop(tmp_path_factory.mktemp("sni-desktop"), tray=False)


@pytest.fixture
def panel(tmp_path: Path) -> Iterator[Panel]:
    p = Panel(tmp_path)
    try:
        yield p
    finally:
        p.stop()


@pytest.fixture
def app(bare_desktop: Desktop, profile: Profile, panel: Panel) -> Iterator[AppProcess]:
    env = bare_desktop.env(profile)
    env["DBUS_SESSION_BUS_ADDRESS"] = panel.address
    proc = AppProcess(profile, env)
    yield proc
    proc.stop()


def registered(app: AppProcess, panel: Panel) -> dict[str, Any]:
    """The panel first, then the app; returns the item's properties once it registered."""
    panel.start_watcher()
    app.start()
    wait_for(lambda: len(panel.items()) == 1, 20, "the item to register with the watcher")
    return panel.props()


def pixmap_sizes(props: dict[str, Any]) -> list[tuple[int, int]]:
    return sorted((w, h) for w, h, _data in props["IconPixmap"])


def assert_real_pixmaps(props: dict[str, Any]) -> None:
    sizes = pixmap_sizes(props)
    assert (22, 22) in sizes and len(sizes) >= 2, sizes  # panels pick a size near theirs
    for w, h, data in props["IconPixmap"]:
        assert len(data) == w * h * 4 and any(data), (w, h)  # ARGB32, not blank


def test_the_item_registers_with_pixmaps_and_tooltip(
    app: AppProcess, panel: Panel, bare_desktop: Desktop
) -> None:
    props = registered(app, panel)
    assert props["Status"] == "Active"
    assert props["IconName"] == ""  # the icon theme does not know the app yet
    assert_real_pixmaps(props)
    tooltip_title = props["ToolTip"][2]
    assert tooltip_title.startswith("g2a-tray")
    assert not visible_windows(bare_desktop, FORM_TITLE)  # a tray exists: icon only


def test_with_the_desktop_entry_installed_the_item_also_names_its_themed_icon(
    app: AppProcess, panel: Panel
) -> None:
    installed = app.cli("desktop-integration")  # puts the icon into the hicolor theme
    assert installed.returncode == 0, installed.stderr
    props = registered(app, panel)
    assert props["IconName"] == "io.github.g2atray.G2aTray"  # the name, for themed panels…
    assert_real_pixmaps(props)  # …and pixmaps beside it


def test_activate_and_the_menu_work_as_a_panel_drives_them(
    app: AppProcess, panel: Panel, bare_desktop: Desktop
) -> None:
    registered(app, panel)
    panel.call(panel.item(), "Activate", "ii", (10, 10))  # a left click
    wait_for(lambda: bool(visible_windows(bare_desktop, FORM_TITLE)), 10, "the form after Activate")
    labels = panel.menu_labels()
    assert {"Start session…", "Recent sessions", "Session history…", "Settings…", "Quit"} <= set(
        labels
    )
    panel.click_menu("Session history…")
    wait_for(lambda: bool(visible_windows(bare_desktop, "Session history")), 10, "history")
    panel.click_menu("Quit")
    assert app.proc is not None
    app.proc.wait(10)
    assert app.proc.returncode == 0


def test_the_badge_reaches_the_panel(
    app: AppProcess, panel: Panel, profile: Profile, bare_desktop: Desktop
) -> None:
    profile.write_settings('service_url = "http://127.0.0.1:9/G2A/rest/v1"\n')
    idle = registered(app, panel)["IconPixmap"]
    started = app.cli("start", "4711")  # opens nothing real (the profile's opener records)
    assert started.returncode == 0, started.stderr
    wait_for(lambda: panel.props()["IconPixmap"] != idle, 10, "the waiting badge on the panel")
    tooltip = panel.props()["ToolTip"]
    assert "Waiting for the customer: Ticket 4711" in tooltip[2] + tooltip[3], tooltip


def test_a_panel_that_starts_after_the_app_gets_the_icon(
    app: AppProcess, panel: Panel, bare_desktop: Desktop
) -> None:
    app.start()  # no tray of any kind: the form shows as a window, and the app looks again
    wait_for(lambda: bool(visible_windows(bare_desktop, FORM_TITLE)), 10, "the form window")
    assert panel.items() == []
    panel.start_watcher()  # the panel comes up late (a slow session start, a restart)
    wait_for(lambda: len(panel.items()) == 1, 20, "the late panel to get the item")
    props = panel.props()
    assert props["Status"] == "Active"
    assert_real_pixmaps(props)
    panel.click_menu("Session history…")  # the new icon kept the menu
    wait_for(lambda: bool(visible_windows(bare_desktop, "Session history")), 10, "history")
