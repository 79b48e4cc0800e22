"""The relay's access token and the helpdesk's token or key, in the system keyring
(Secret Service, KWallet, macOS Keychain, Windows Credential Locker), never in
settings.toml.

Through the ``keyring`` library. A desktop without a keyring (or a locked one) is told
so in plain words, and the token is not written anywhere else instead.
"""

from __future__ import annotations

import contextlib
import logging

log = logging.getLogger(__name__)

SERVICE = "g2a-tray relay"
HELPDESK_SERVICE = "g2a-tray helpdesk"
NO_KEYRING = (
    "No system keyring is available ({reason}), so g2a-tray cannot keep an access token "
    "safely. Start or unlock your desktop's keyring (GNOME Keyring, KWallet) and try again."
)


class TokenStoreError(Exception):
    """The keyring could not be used; the message is for the user."""


def helpdesk_key(kind: str, url: str, user: str) -> str:
    """The keyring entry of a helpdesk token: one per helpdesk, address and sign-in name."""
    return f"{kind} {url} {user}".rstrip()


def load_token(relay_url: str, service: str = SERVICE) -> str:
    """The token stored for ``relay_url``, or "" (none stored, or no keyring: logged)."""
    if not relay_url:
        return ""
    try:
        import keyring
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(service, relay_url) or ""
        except KeyringError as exc:
            log.info("relay token not read: %s", exc)
            return ""
    except Exception as exc:  # a broken backend raises anything on import or use
        log.info("relay token not read: %s", exc)
        return ""


def save_token(relay_url: str, token: str, service: str = SERVICE) -> None:
    """Store (or, for "", forget) the token for ``relay_url``; raises TokenStoreError."""
    try:
        import keyring
        from keyring.errors import KeyringError, PasswordDeleteError

        try:
            if token:
                keyring.set_password(service, relay_url, token)
            else:
                with contextlib.suppress(PasswordDeleteError):  # there was none
                    keyring.delete_password(service, relay_url)
        except KeyringError as exc:
            raise TokenStoreError(NO_KEYRING.format(reason=exc)) from None
    except TokenStoreError:
        raise
    except Exception as exc:
        raise TokenStoreError(NO_KEYRING.format(reason=exc)) from None
