"""Helpdesk presets give templates that expand to the helpdesk's ticket pages."""

from __future__ import annotations

import pytest

from g2a_tray.core.sessions.launch import expand_template
from g2a_tray.core.settings.presets import PRESETS

EXPECTED = {
    "Zendesk": "https://acme.zendesk.com/agent/tickets/4711",
    "Freshdesk": "https://acme.freshdesk.com/a/tickets/4711",
    "Jira Service Management": "https://acme.atlassian.net/browse/4711",
    "ServiceNow": "https://acme.service-now.com/incident.do?sysparm_query=number=4711",
}


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_each_preset_expands_to_its_ticket_page(preset: object) -> None:
    template = preset.template(" Acme ")  # type: ignore[attr-defined]
    assert expand_template(template, "4711") == EXPECTED[preset.name]  # type: ignore[attr-defined]


@pytest.mark.parametrize("site", ["", "acme.evil.com/x", "a b", "ácme", "x?y#"])
def test_a_site_name_is_one_plain_label(site: str) -> None:
    with pytest.raises(ValueError):
        PRESETS[0].template(site)
