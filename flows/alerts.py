"""The failure alert: a JSON POST to PYERP_SYNC_ALERT_WEBHOOK. Best effort: an alert that cannot be delivered is
logged, never allowed to hide the failure it reports."""

from __future__ import annotations

import logging

import requests

log = logging.getLogger(__name__)
ALERT_TIMEOUT_SECONDS = 10


def post_alert(webhook: str, payload: dict[str, object]) -> bool:
    try:
        response = requests.post(webhook, json=payload, timeout=ALERT_TIMEOUT_SECONDS)
        response.raise_for_status()
    except requests.RequestException as exc:
        log.warning("the failure alert could not be delivered to the webhook: %s", exc.__class__.__name__)
        return False
    return True
