"""Ticket-URL templates for the helpdesks technicians use most, for the first-run greeting.

Each preset needs one word from the technician (the helpdesk's site name) and yields a
template with ``{partnerObject}`` where the ticket id goes. The result is checked like
any typed template (:func:`g2a_tray.core.settings.check_template`).
"""

from __future__ import annotations

from dataclasses import dataclass

from g2a_tray.core.settings.schema import check_template


@dataclass(frozen=True)
class Preset:
    name: str
    pattern: str  # ``{site}`` is the helpdesk's own name, ``{{partnerObject}}`` the ticket
    site_label: str  # what to ask for
    site_example: str

    def template(self, site: str) -> str:
        """The ticket-URL template for ``site``; raises ValueError in plain words."""
        site = site.strip().lower()
        if not site:
            raise ValueError(f"enter your {self.site_label}")
        if not all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in site):
            raise ValueError(
                f"your {self.site_label} is letters, digits and - only (as in {self.site_example})"
            )
        return check_template(self.pattern.format(site=site))


PRESETS = (
    Preset(
        "Zendesk",
        "https://{site}.zendesk.com/agent/tickets/{{partnerObject}}",
        "Zendesk subdomain",
        "acme in acme.zendesk.com",
    ),
    Preset(
        "Freshdesk",
        "https://{site}.freshdesk.com/a/tickets/{{partnerObject}}",
        "Freshdesk subdomain",
        "acme in acme.freshdesk.com",
    ),
    Preset(
        "Jira Service Management",
        "https://{site}.atlassian.net/browse/{{partnerObject}}",
        "Atlassian site name",
        "acme in acme.atlassian.net",
    ),
    Preset(
        "ServiceNow",
        "https://{site}.service-now.com/incident.do?sysparm_query=number={{partnerObject}}",
        "ServiceNow instance name",
        "acme in acme.service-now.com",
    ),
)


HELPDESK_HOSTS = {
    "zendesk": ".zendesk.com",
    "freshdesk": ".freshdesk.com",
    "jira": ".atlassian.net",
    "servicenow": ".service-now.com",
}


def helpdesk_url_from_template(template: str, kind: str) -> str:
    """The helpdesk's address where the ticket-URL template (from a greeting preset)
    points at ``kind``'s cloud, e.g. ``https://acme.freshdesk.com``; "" otherwise."""
    from urllib.parse import urlsplit

    suffix = HELPDESK_HOSTS.get(kind)
    if not suffix or not template:
        return ""
    parts = urlsplit(template)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host.endswith(suffix) or host == suffix[1:]:
        return ""
    return f"https://{host}"
