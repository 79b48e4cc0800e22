"""The hand-off to the system browser.

``Opener`` is the seam tests and the demo use; the real one is QDesktopServices,
which asks the desktop (``xdg-open`` on Linux) and so honours the user's default
browser. Only URLs that passed ``core.urls.check_http_url`` reach it.
"""

from __future__ import annotations

import logging
from typing import Protocol

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from g2a_tray.core.redaction import redact

log = logging.getLogger(__name__)


class Opener(Protocol):
    def __call__(self, url: str) -> bool:
        """Open ``url``; False when the desktop could not."""
        ...


def to_qurl(url: str) -> QUrl:
    """Hand Qt the URL exactly as built: already percent-encoded, strictly parsed."""
    return QUrl.fromEncoded(url.encode("ascii"), QUrl.ParsingMode.StrictMode)


def open_in_system_browser(url: str) -> bool:
    qurl = to_qurl(url)
    if not qurl.isValid():
        log.error("refusing to open an invalid URL: %s", qurl.errorString())
        return False
    ok = QDesktopServices.openUrl(qurl)
    log.info("opened in browser (%s): %s", "ok" if ok else "FAILED", redact(url))
    return bool(ok)
