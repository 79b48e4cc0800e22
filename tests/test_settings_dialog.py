"""The settings dialog writes the TOML contract and refuses what the loader refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from g2a_tray.core.settings import Settings
from g2a_tray.core.settings_store import SettingsStore
from g2a_tray.ui.settings_dialog import SettingsDialog


@pytest.fixture
def store(tmp_path: Path) -> SettingsStore:
    path = tmp_path / "settings.toml"
    path.write_text('mystery = "kept"\n')
    s = SettingsStore(path)
    s.load()
    return s


def make(qtbot: QtBot, store: SettingsStore, settings: Settings | None = None) -> SettingsDialog:
    dialog = SettingsDialog(settings or Settings(), store.save, str(store.path))
    qtbot.addWidget(dialog)
    return dialog


def test_edit_and_save_writes_the_file(qtbot: QtBot, store: SettingsStore) -> None:
    dialog = make(qtbot, store)
    dialog.template.setText("https://h.example/t/{partnerObject}")
    dialog.layout_choice.setCurrentIndex(dialog.layout_choice.findData("iFrame"))
    dialog.shortcut.setKeySequence(QKeySequence("Ctrl+Shift+F5"))
    dialog.listen_port.setValue(0)
    dialog.notifications.setChecked(False)
    with qtbot.waitSignal(dialog.accepted):
        dialog.accept()
    loaded = SettingsStore(store.path).load()
    assert loaded.problems == []
    s = loaded.settings
    assert s.partner_object_url_template == "https://h.example/t/{partnerObject}"
    assert s.layout == "iFrame"
    assert s.shortcut == "Ctrl+Shift+F5"
    assert s.callback.listen_port == 0
    assert s.notifications.enabled is False
    assert 'mystery = "kept"' in store.path.read_text()


def test_invalid_values_are_marked_and_nothing_is_saved(qtbot: QtBot, store: SettingsStore) -> None:
    before = store.path.read_text()
    dialog = make(qtbot, store)
    dialog.show()
    dialog.service_url.setText("http://api.example.com/G2A")
    dialog.public_url.setText("file:///etc/passwd")
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.result() == 0
    text = dialog.errors.text()
    assert "Service URL: use https://" in text
    assert "Public URL: the URL must start with http:// or https://" in text
    assert dialog.service_url.styleSheet() != ""
    assert store.path.read_text() == before


def test_restore_defaults_fills_defaults(qtbot: QtBot, store: SettingsStore) -> None:
    dialog = make(qtbot, store, Settings(layout="iFrame", shortcut="F9"))
    assert dialog.edited().layout == "iFrame"
    from PySide6.QtWidgets import QDialogButtonBox

    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    qtbot.mouseClick(
        box.button(QDialogButtonBox.StandardButton.RestoreDefaults), Qt.MouseButton.LeftButton
    )
    assert dialog.edited() == Settings()


def test_save_failure_keeps_dialog_open_and_says_so(
    qtbot: QtBot, store: SettingsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: shown.append(text))

    def failing_save(_settings: Settings) -> None:
        raise PermissionError(13, "Permission denied")

    dialog = SettingsDialog(Settings(), failing_save, "x")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.accept()
    assert dialog.isVisible()
    assert shown and "Permission denied" in shown[0] and "unchanged" in shown[0]
