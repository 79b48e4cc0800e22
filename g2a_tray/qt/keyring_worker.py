"""The system keyring, off the GUI thread.

A Secret Service that is locked shows an unlock prompt and answers only once the user
typed a password; a KWallet that is starting takes seconds. Every keyring call therefore
runs on one worker thread, in the order asked (a save before a load reads what was
saved), and its result comes back to the GUI thread through a queued signal, to the
callback given with the call.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from g2a_tray.core.updates.token_store import TokenStoreError, load_token, save_token
from g2a_tray.qt.from_worker import quietly

log = logging.getLogger(__name__)

Loader = Callable[[str], str]
Saver = Callable[[str, str], None]


class TokenKeeper(QObject):
    """``load(url, then)`` → ``then(token)``; ``save(url, token, then)`` → ``then(problem)``
    ("" when it was saved), each ``then`` called on the GUI thread."""

    _done = Signal(int, str)  # call number, result (from the worker: queued)

    def __init__(
        self, parent: QObject | None = None, load: Loader = load_token, save: Saver = save_token
    ) -> None:
        super().__init__(parent)
        self._load, self._save = load, save
        self._calls: queue.Queue[tuple[int, Callable[[], str]] | None] = queue.Queue()
        self._waiting: dict[int, Callable[[str], None]] = {}
        self._numbers = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._done.connect(self._deliver)

    def load(self, relay_url: str, then: Callable[[str], None]) -> None:
        self._ask(lambda: self._load(relay_url), then)

    def save(self, relay_url: str, token: str, then: Callable[[str], None]) -> None:
        def call() -> str:
            try:
                self._save(relay_url, token)
            except TokenStoreError as exc:
                return str(exc)
            return ""

        self._ask(call, then)

    def close(self) -> None:
        """The worker ends after the call it is in (not waited for)."""
        self._calls.put(None)

    def _ask(self, call: Callable[[], str], then: Callable[[str], None]) -> None:
        number = next(self._numbers)
        self._waiting[number] = then
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="keyring", daemon=True)
            self._thread.start()
        self._calls.put((number, call))

    def _work(self) -> None:
        while (item := self._calls.get()) is not None:
            number, call = item
            try:
                result = call()
            except Exception:  # a broken backend: logged; the caller gets "" / a reason
                log.exception("keyring call failed")
                result = ""
            quietly(self._done.emit)(number, result)

    def _deliver(self, number: int, result: str) -> None:
        then = self._waiting.pop(number, None)
        if then is not None:
            then(result)
