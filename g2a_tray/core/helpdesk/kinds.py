"""The four helpdesks as the settings dialog, the CLI and the outbox speak of them: names,
what each signs in with, who can get its token, whether it logs time; and why a note
can be refused. No HTTP here: this is read at start-up, the calls (vendors.py) only when
a note is written.
"""

from __future__ import annotations

from dataclasses import dataclass

CREDENTIALS, PERMISSION, TICKET, REJECTED = "credentials", "permission", "ticket", "rejected"


@dataclass(frozen=True)
class Kind:
    """One helpdesk as the settings dialog, the CLI and the courier speak of it."""

    key: str
    name: str
    user_label: str  # "" when the helpdesk needs no sign-in name
    token_label: str
    who_gets_token: str
    time_api: bool
    url_example: str


KINDS: dict[str, Kind] = {
    "zendesk": Kind(
        "zendesk",
        "Zendesk",
        "Sign-in e-mail",
        "API token",
        "Only a Zendesk administrator can create API tokens (Admin Center → Apps and "
        "integrations → Zendesk API), and token access must be turned on: ask your admin. "
        "Zendesk has no time-entry API, so only the note is written.",
        False,
        "https://acme.zendesk.com",
    ),
    "freshdesk": Kind(
        "freshdesk",
        "Freshdesk",
        "",
        "API key",
        "Every agent has an API key: Freshdesk → your profile picture → Profile settings "
        "→ View API key. No administrator needed.",
        True,
        "https://acme.freshdesk.com",
    ),
    "jira": Kind(
        "jira",
        "Jira Service Management",
        "Sign-in e-mail",
        "API token",
        "Make your own token at id.atlassian.com → Security → Create and manage API "
        "tokens. Logging time needs time tracking turned on for the site.",
        True,
        "https://acme.atlassian.net",
    ),
    "servicenow": Kind(
        "servicenow",
        "ServiceNow",
        "User name",
        "Password",
        "ServiceNow takes your own user name and password (OAuth needs an administrator). "
        "Whether accounts that sign in only through single sign-on can use them is not "
        "documented. ServiceNow's time worked is not written over REST: only the note.",
        False,
        "https://acme.service-now.com",
    ),
}


def kind_name(kind: str) -> str:
    return KINDS[kind].name if kind in KINDS else "the helpdesk"
