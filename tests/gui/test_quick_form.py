"""The quick form and the app's start flow, in-process with qtbot (offscreen)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
from pytestqt.qtbot import QtBot

from g2a_tray.app.root import TrayApp
from g2a_tray.core.paths import AppPaths
from g2a_tray.core.sessions.launch import LaunchRequest
from g2a_tray.core.settings.schema import Settings
from g2a_tray.qt.single_instance import PendingAnswer
from g2a_tray.ui.quick_form import QuickForm
from tests.helpers.profile import Profile, split_callback

SETTINGS = (
    'partner_object_url_template = "https://helpdesk.example.com/tickets/{partnerObject}"\n'
    "[callback]\nlisten_port = 0\n"
)


class UrlRecorder:
    """Takes the place of the system browser (an Opener: tests/gui/test_browser.py covers
    the real one)."""

    def __init__(self, works: bool = True) -> None:
        self.urls: list[str] = []
        self.works = works

    def __call__(self, url: str, done: Callable[[bool], None]) -> None:
        self.urls.append(url)
        done(self.works)


def answered(response: dict[str, Any] | PendingAnswer) -> dict[str, Any]:
    """The answer a client would get (a start's answer waits for the hand-off)."""
    if isinstance(response, PendingAnswer):
        got: list[dict[str, Any]] = []
        response.on_resolved(got.append)
        assert got, "no answer"
        return got[0]
    return response


@pytest.fixture
def browser() -> UrlRecorder:
    return UrlRecorder()


@pytest.fixture
def has_tray(monkeypatch: pytest.MonkeyPatch) -> bool:
    """Offscreen Qt has no tray; tests of tray-mode behaviour pretend one is there.
    The real tray is covered in a real X session (tests/process/test_app_process.py)."""
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    return True


@pytest.fixture
def app(
    qapp: QApplication, profile: Profile, qtbot: QtBot, browser: UrlRecorder
) -> Iterator[TrayApp]:
    profile.write_settings(SETTINGS)
    tray_app = TrayApp(qapp, AppPaths.default(), opener=browser)
    tray_app.start()
    yield tray_app
    if tray_app.windows.quick_form is not None:
        tray_app.windows.quick_form.deleteLater()
    tray_app.tray.hide()
    tray_app.shutdown()


@pytest.mark.usefixtures("has_tray")
def test_type_ticket_press_enter_opens_exact_url(
    app: TrayApp, browser: UrlRecorder, qtbot: QtBot
) -> None:
    app.windows.show_form()
    form = app.windows.form()
    qtbot.waitExposed(form)
    assert form.focusWidget() is form.partner_object
    qtbot.keyClicks(form.partner_object, "45 6&x")
    assert form.partner_object_url.text() == "https://helpdesk.example.com/tickets/45%206%26x"
    qtbot.keyClick(form.partner_object, Qt.Key.Key_Return)
    [url] = browser.urls
    head, callback = split_callback(url)
    assert head == (
        "https://api.getgo.com/G2A/rest/v1/session?sessionType=SCREEN_SHARING"
        "&partnerObject=45%206%26x"
        "&partnerObjectUrl=https%3A%2F%2Fhelpdesk.example.com%2Ftickets%2F45%25206%2526x"
    )
    assert callback.startswith(f"http://127.0.0.1:{app.listener.port}/callback/")
    assert not form.isVisible()
    [session] = app.store.sessions()
    assert session.partner_object == "45 6&x"
    assert session.status == "launched"


def test_iframe_layout_and_typed_url(app: TrayApp, browser: UrlRecorder, qtbot: QtBot) -> None:
    app.windows.show_form()
    form = app.windows.form()
    qtbot.keyClicks(form.partner_object, "7")
    form.partner_object_url.selectAll()
    qtbot.keyClicks(form.partner_object_url, "https://other.example/ticket?id=7")
    qtbot.keyClicks(form.partner_object, "8")  # the typed URL is no longer overwritten
    assert form.partner_object_url.text() == "https://other.example/ticket?id=7"
    form.layout_choice.setCurrentIndex(form.layout_choice.findData("iFrame"))
    qtbot.mouseClick(form.start_button, Qt.MouseButton.LeftButton)
    q = parse_qs(urlsplit(browser.urls[0]).query)
    assert q["layout"] == ["iFrame"]
    assert q["partnerObject"] == ["78"]
    assert q["partnerObjectUrl"] == ["https://other.example/ticket?id=7"]


def test_clearing_the_url_gives_it_back_to_the_template(app: TrayApp, qtbot: QtBot) -> None:
    app.windows.show_form()
    form = app.windows.form()
    qtbot.keyClicks(form.partner_object_url, "https://x.example")
    form.partner_object_url.selectAll()
    qtbot.keyClick(form.partner_object_url, Qt.Key.Key_Backspace)  # the user empties it
    qtbot.keyClicks(form.partner_object, "9")
    assert form.partner_object_url.text() == "https://helpdesk.example.com/tickets/9"


def test_empty_ticket_shows_inline_error_and_keeps_form(
    app: TrayApp, browser: UrlRecorder, qtbot: QtBot
) -> None:
    app.windows.show_form()
    form = app.windows.form()
    qtbot.keyClick(form.partner_object, Qt.Key.Key_Return)
    assert browser.urls == []
    assert form.isVisible()
    assert form.partner_object_error.isVisible()
    assert form.partner_object_error.text() == "Enter a ticket id."
    qtbot.keyClicks(form.partner_object, "1")
    assert not form.partner_object_error.isVisible()  # typing clears the complaint


def test_bad_ticket_url_shows_inline_error(
    app: TrayApp, browser: UrlRecorder, qtbot: QtBot
) -> None:
    app.windows.show_form()
    form = app.windows.form()
    qtbot.keyClicks(form.partner_object, "1")
    form.partner_object_url.selectAll()
    qtbot.keyClicks(form.partner_object_url, "javascript:alert(1)")
    qtbot.keyClick(form.partner_object_url, Qt.Key.Key_Return)
    assert browser.urls == []
    assert form.partner_object_url_error.isVisible()
    assert "http://" in form.partner_object_url_error.text()
    assert form.focusWidget() is form.partner_object_url


@pytest.mark.usefixtures("has_tray")
def test_escape_hides_and_reopening_resets(app: TrayApp, qtbot: QtBot) -> None:
    app.windows.show_form()
    form = app.windows.form()
    qtbot.keyClicks(form.partner_object, "123")
    qtbot.keyClick(form.partner_object, Qt.Key.Key_Escape)
    assert not form.isVisible()
    app.windows.show_form()
    assert form.isVisible()
    assert form.partner_object.text() == ""
    app.windows.show_form("55")  # new-session with a ticket fills it in even when open
    assert form.partner_object.text() == "55"


def test_browser_failure_tells_the_user(qapp: QApplication, profile: Profile, qtbot: QtBot) -> None:
    tray_app = TrayApp(qapp, AppPaths.default(), opener=UrlRecorder(works=False))
    results: list[bool] = []
    launch = tray_app.sessions.start_session(
        LaunchRequest("1"), lambda _launch, ok: results.append(ok)
    )
    assert results == [False]
    [box] = tray_app.notices.open
    assert launch.url in box.text()
    assert "could not hand" in box.text()
    box.close()
    assert not box.isVisible(), "the box's close was refused"


def test_start_request_over_the_instance_protocol(app: TrayApp, browser: UrlRecorder) -> None:
    response = answered(
        app.requests.handle({"v": 1, "cmd": "start", "partnerObject": "42", "layout": "iframe"})
    )
    assert response["ok"] is True
    assert response["url"] == browser.urls[0]
    assert "layout=iFrame" in response["url"]
    bad = app.requests.handle({"v": 1, "cmd": "start", "partnerObject": "", "partnerObjectUrl": ""})
    assert bad == {"ok": False, "error": "Enter a ticket id."}
    bad = app.requests.handle(
        {"v": 1, "cmd": "start", "partnerObject": "1", "partnerObjectUrl": "ftp://x"}
    )
    assert bad == {"ok": False, "error": "Ticket URL: the URL must start with http:// or https://."}
    assert len(browser.urls) == 1


def test_no_tray_shows_form_as_window_that_says_how_to_come_back(
    app: TrayApp, qtbot: QtBot
) -> None:
    # The offscreen platform has no tray: the form must be shown, with the notice.
    assert not app.tray.available
    form = app.windows.form()
    assert form.isVisible()
    assert form.notice.isVisible()
    assert "g2a-tray new-session" in form.notice.text()
    qtbot.keyClick(form.partner_object, Qt.Key.Key_Escape)
    assert form.isMinimized() or form.windowState() & Qt.WindowState.WindowMinimized
    assert form.isVisible()  # never invisible without a tray


def test_an_empty_ticket_without_a_template_is_asked_about_once(qtbot: QtBot) -> None:
    form = QuickForm()
    qtbot.addWidget(form)
    form.prepare(Settings())
    form.show()
    sent: list[LaunchRequest] = []
    form.submitted.connect(sent.append)
    qtbot.keyClick(form.partner_object, Qt.Key.Key_Return)
    assert sent == []
    assert form.general_error.isVisible() and "Press Enter again" in form.general_error.text()
    qtbot.keyClick(form.partner_object, Qt.Key.Key_Return)  # yes, without a ticket
    assert sent == [LaunchRequest("", "", "")]
    form.prepare(Settings())  # the next session asks again
    qtbot.keyClick(form.partner_object, Qt.Key.Key_Return)
    assert len(sent) == 1


def test_the_form_shrinks_back_once_an_error_is_fixed(qtbot: QtBot) -> None:
    form = QuickForm()
    qtbot.addWidget(form)
    form.prepare(Settings())
    form.show()
    qtbot.waitExposed(form)
    form.resize(form.width(), form.sizeHint().height())
    before = form.height()
    form.show_error("partner_object", "The ticket id is longer than 256 characters.")
    assert form.height() > before
    qtbot.keyClicks(form.partner_object, "1")  # the technician fixes it
    assert not form.partner_object_error.isVisible()
    assert form.height() == before


def test_a_cleared_url_shows_what_the_template_will_use(qtbot: QtBot) -> None:
    form = QuickForm()
    qtbot.addWidget(form)
    form.prepare(Settings(partner_object_url_template="https://h.example/t/{partnerObject}"))
    qtbot.keyClicks(form.partner_object, "4711")
    assert form.partner_object_url.text() == "https://h.example/t/4711"
    form.partner_object_url.selectAll()
    qtbot.keyClick(form.partner_object_url, Qt.Key.Key_Delete)
    assert form.partner_object_url.text() == ""
    assert form.partner_object_url.placeholderText() == (
        "https://h.example/t/4711 (from the template)"
    )


def test_no_two_keyboard_mnemonics_of_the_form_share_a_letter(qtbot: QtBot) -> None:
    """Alt+T went to "Ticket id" and "Settings…" alike: Qt then only moves the focus
    between them, and Settings could not be reached from the keyboard."""
    import re

    from PySide6.QtWidgets import QAbstractButton, QLabel

    form = QuickForm()
    qtbot.addWidget(form)
    texts = [w.text() for w in form.findChildren(QLabel) if w.buddy() is not None]
    texts += [b.text() for b in form.findChildren(QAbstractButton)]
    letters = [m.group(1).lower() for t in texts if (m := re.search(r"&(\w)", t))]
    assert len(letters) >= 5  # the labels and buttons were found
    assert len(letters) == len(set(letters)), texts


def test_a_form_still_up_after_esc_comes_back_with_its_text_selected(
    app: TrayApp, qtbot: QtBot
) -> None:
    """Without a tray, Esc minimises; a compositor may ignore that (sway) and leave the
    form up with "711" in it. Whatever typing comes next must replace it."""
    form = app.windows.form()
    qtbot.keyClicks(form.partner_object, "711")
    qtbot.keyClick(form.partner_object, Qt.Key.Key_Escape)
    form.showNormal()  # what sway does with the minimise request: nothing
    assert form.partner_object.selectedText() == "711"
    app.windows.show_form()  # new-session
    assert form.partner_object.text() == "" or form.partner_object.selectedText() == "711"
    qtbot.keyClicks(form.partner_object, "4711")
    assert form.partner_object.text() == "4711"


def test_after_a_session_starts_the_form_left_up_is_empty(
    app: TrayApp, browser: UrlRecorder, qtbot: QtBot
) -> None:
    form = app.windows.form()
    qtbot.keyClicks(form.partner_object, "4711")
    qtbot.keyClick(form.partner_object, Qt.Key.Key_Return)
    assert len(browser.urls) == 1
    form.showNormal()  # a compositor that ignored the minimise
    assert form.partner_object.text() == ""


def test_a_dismissed_form_comes_back_as_a_fresh_window_not_un_minimised(
    app: TrayApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Wayland lets no client un-minimise itself: showNormal() on the minimised form did
    nothing on mutter. It must be hidden and shown again (a new toplevel)."""
    form = app.windows.form()
    qtbot.keyClick(form.partner_object, Qt.Key.Key_Escape)
    hidden: list[bool] = []
    monkeypatch.setattr(form, "hide", lambda: hidden.append(True) or QuickForm.hide(form))
    app.windows.show_form()
    assert hidden == [True]
    assert form.isVisible() and not form.isMinimized()


def test_the_launchers_token_is_in_the_environment_while_the_form_is_shown(
    app: TrayApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Qt's Wayland plugin reads XDG_ACTIVATION_TOKEN when the window is shown or
    activated: the token a client forwarded must be there then, and gone afterwards."""
    import os

    from g2a_tray.core.instance.activation import ENV_TOKEN

    monkeypatch.setattr("g2a_tray.qt.activation.QGuiApplication.platformName", lambda: "wayland")
    monkeypatch.delenv(ENV_TOKEN, raising=False)
    form = app.windows.form()
    qtbot.keyClick(form.partner_object, Qt.Key.Key_Escape)
    seen: list[str | None] = []
    monkeypatch.setattr(form, "activateWindow", lambda: seen.append(os.environ.get(ENV_TOKEN)))
    request = {"v": 1, "cmd": "show-form", "activationToken": "kwin-4242_TIME1"}
    assert app.requests.handle(request) == {"ok": True}
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == ["kwin-4242_TIME1"]
    assert ENV_TOKEN not in os.environ  # not handed on to the browser started next


def test_a_notice_waits_while_the_form_is_up_and_shows_when_it_goes(
    app: TrayApp, browser: UrlRecorder, qtbot: QtBot
) -> None:
    """sway (and i3) focus every new window: a box shown while the ticket is typed
    took the keys meant for the form. It waits until the form is done with."""
    form = app.windows.form()
    assert form.isVisible()
    box = app.notices.tell("g2a-tray shortcut", "Bind g2a-tray new-session yourself.")
    assert not box.isVisible() and app.notices.is_up(box)
    qtbot.keyClicks(form.partner_object, "4711")
    qtbot.keyClick(form.partner_object, Qt.Key.Key_Return)
    assert len(browser.urls) == 1 and "partnerObject=4711" in browser.urls[0]
    assert box.isVisible()
    box.close()
    assert not app.notices.is_up(box)


@pytest.mark.usefixtures("has_tray")
def test_the_form_is_built_once_ahead_and_only_shown_after(
    app: TrayApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shortcut's press must only show the form: it is built while the app is idle
    after start, and every later new-session shows that same form."""
    built: list[QuickForm] = []
    real_init = QuickForm.__init__

    def counting_init(self: QuickForm, *args: Any, **kwargs: Any) -> None:
        built.append(self)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(QuickForm, "__init__", counting_init)
    badges = app.tray._icons
    assert "waiting" not in badges  # only the idle icon is drawn before the tray icon
    app.windows.build_form_ahead()  # what start() schedules for FORM_AHEAD_MS later
    assert len(built) == 1 and not built[0].isVisible()
    assert {"waiting", "active"} <= set(badges)  # and the badge Enter shows, ahead too
    for _ in range(3):
        app.windows.show_form()
        assert app.windows.form().isVisible()
        qtbot.keyClick(app.windows.form().partner_object, Qt.Key.Key_Escape)
    app.windows.build_form_ahead()  # a second call builds nothing
    assert built == [app.windows.quick_form]


@pytest.mark.usefixtures("has_tray")
def test_start_schedules_the_form_to_be_built_ahead(
    qapp: QApplication, profile: Profile, qtbot: QtBot
) -> None:
    from g2a_tray.app import root

    profile.write_settings(SETTINGS)
    tray_app = TrayApp(qapp, AppPaths.default(), opener=UrlRecorder())
    tray_app.start()
    try:
        assert tray_app.windows.quick_form is None  # not on the way to the icon
        qtbot.waitUntil(
            lambda: tray_app.windows.quick_form is not None, timeout=root.FORM_AHEAD_MS + 3000
        )
        assert not tray_app.windows.quick_form.isVisible()
    finally:
        tray_app.tray.hide()
        tray_app.shutdown()


def test_a_form_left_up_behind_other_windows_keeps_its_text_selected(
    app: TrayApp, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typed, then the technician clicked elsewhere: the shortcut brings the form back as
    a fresh window (Wayland cannot raise a buried one) with what was typed, selected."""
    form = app.windows.form()
    qtbot.keyClicks(form.partner_object, "47")
    monkeypatch.setattr(form, "isActiveWindow", lambda: False)  # another window has the keys
    hidden: list[bool] = []
    monkeypatch.setattr(form, "hide", lambda: hidden.append(True) or QuickForm.hide(form))
    app.windows.show_form()
    assert hidden == [True] and form.isVisible()
    assert form.partner_object.text() == "47" and form.partner_object.selectedText() == "47"
