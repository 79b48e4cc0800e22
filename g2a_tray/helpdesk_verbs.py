"""``g2a-tray helpdesk token`` and ``g2a-tray helpdesk test``: the helpdesk's credentials
from a script, without the app.

``token`` reads the token (or key, or password) from standard input, so that it is never
on a command line another user can read in ``ps``, and keeps it in the system keyring
under the helpdesk set in settings.toml. ``test`` signs in with it the way notes will.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from g2a_tray.core.paths import AppPaths
    from g2a_tray.core.settings.schema import HelpdeskSettings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _helpdesk(paths: AppPaths) -> HelpdeskSettings | None:
    from g2a_tray.core.helpdesk.kinds import KINDS
    from g2a_tray.core.settings.store import peek_settings

    helpdesk = peek_settings(paths.settings_file).helpdesk
    if helpdesk.kind not in KINDS or not helpdesk.url:
        sys.stderr.write(
            f"g2a-tray: no helpdesk is set in {paths.settings_file}: set [helpdesk] kind and "
            'url there (e.g. kind = "freshdesk", url = "https://acme.freshdesk.com") or in '
            "Settings → Helpdesk.\n"
        )
        return None
    return helpdesk


def store_token(paths: AppPaths) -> int:
    from g2a_tray.core.helpdesk.kinds import KINDS
    from g2a_tray.core.updates.token_store import (
        HELPDESK_SERVICE,
        TokenStoreError,
        helpdesk_key,
        save_token,
    )

    helpdesk = _helpdesk(paths)
    if helpdesk is None:
        return EXIT_USAGE
    kind = KINDS[helpdesk.kind]
    if sys.stdin.isatty():
        sys.stderr.write(f"Type or paste the {kind.token_label} for {kind.name}, then Enter:\n")
        token = sys.stdin.readline().strip()
    else:
        token = sys.stdin.read().strip()
    if not token or any(ch.isspace() for ch in token):
        sys.stderr.write(
            f"g2a-tray: expected the {kind.token_label} on standard input, one line "
            f'(e.g. printf %s "$TOKEN" | g2a-tray helpdesk token).\n'
        )
        return EXIT_USAGE
    try:
        save_token(
            helpdesk_key(helpdesk.kind, helpdesk.url, helpdesk.user), token, HELPDESK_SERVICE
        )
    except TokenStoreError as exc:
        sys.stderr.write(f"g2a-tray: {exc}\n")
        return EXIT_FAILED
    print(
        f"Stored the {kind.token_label} for {kind.name} at {helpdesk.url} in the system "
        "keyring. Check it with: g2a-tray helpdesk test"
    )
    return EXIT_OK


def test_credentials(paths: AppPaths) -> int:
    from g2a_tray.core.helpdesk.courier import check_credentials
    from g2a_tray.core.updates.token_store import HELPDESK_SERVICE, helpdesk_key, load_token

    helpdesk = _helpdesk(paths)
    if helpdesk is None:
        return EXIT_FAILED
    token = load_token(helpdesk_key(helpdesk.kind, helpdesk.url, helpdesk.user), HELPDESK_SERVICE)
    ok, words = check_credentials(helpdesk.kind, helpdesk.url, helpdesk.user, token)
    if not token:
        words += " Store it with: g2a-tray helpdesk token"
    (sys.stdout if ok else sys.stderr).write(("" if ok else "g2a-tray: ") + words + "\n")
    return EXIT_OK if ok else EXIT_FAILED
