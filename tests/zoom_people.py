"""The people in a sandbox meeting: start and end it, join and leave, move its clock.

Tests of attendance drive the local Zoom's control API through :class:`ZoomRoom`; whatever
the sandbox would send as webhooks is either delivered by the sandbox itself (end-to-end
tests) or captured and delivered by the test (:func:`capture_webhooks`, :func:`deliver`).
"""
import json

import requests
from django.test import Client

from zoom_xblock.zoom.webhooks import signature_headers


class ZoomRoom:
    """One meeting (or webinar) of the sandbox, driven through ``/_sandbox/``."""

    def __init__(self, sandbox_url: str, zoom_id: int):
        self.url = sandbox_url
        self.zoom_id = zoom_id

    def control(self, path: str, **body) -> dict:
        response = requests.post(f"{self.url}/_sandbox{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def start(self) -> dict:
        return self.control(f"/meetings/{self.zoom_id}/start")

    def end(self) -> dict:
        return self.control(f"/meetings/{self.zoom_id}/end")

    def join(self, registration=None, *, name: str = "", email: str = "") -> dict:
        """A registered learner joins with their own link, or a walk-in with a name."""
        if registration is not None:
            return self.control("/participants/join", registrant_id=registration.registrant_id)
        return self.control("/participants/join", meeting_id=str(self.zoom_id), name=name,
                            email=email)

    def leave(self, registration=None, *, email: str = "") -> dict:
        if registration is not None:
            return self.control("/participants/leave", registrant_id=registration.registrant_id)
        return self.control("/participants/leave", meeting_id=str(self.zoom_id), email=email)

    def advance(self, minutes: float) -> dict:
        return self.control("/clock/advance", minutes=minutes)

    def edit_in_zoom(self, operator: str = "eve@example.com", **changes) -> dict:
        return self.control(f"/meetings/{self.zoom_id}/update", operator=operator, **changes)

    def delete_in_zoom(self, operator: str = "eve@example.com") -> dict:
        return self.control(f"/meetings/{self.zoom_id}/delete", operator=operator)

    def cancel_in_zoom(self, registration, operator: str = "eve@example.com") -> dict:
        return self.control(f"/meetings/{self.zoom_id}/registrants/cancel",
                            registrant_id=registration.registrant_id, operator=operator)

    def record(self, minutes: int = 30) -> dict:
        return self.control(f"/meetings/{self.zoom_id}/recording", duration_minutes=minutes)

    def drop_webhooks(self, count: int = 1) -> dict:
        return self.control("/webhooks/drop", count=count)

    def wait_webhooks(self, timeout: float = 10) -> bool:
        return self.control("/webhooks/wait", timeout=timeout)["idle"]


def capture_webhooks(sandbox, monkeypatch) -> list:
    """Keep what the in-process sandbox would send (its webhooks are off in unit tests)."""
    outbox: list = []
    monkeypatch.setattr(sandbox.app.state, "emit", outbox.append)
    return outbox


def deliver(payload: dict, secret: str, capture=None):
    """POST one webhook to the plugin signed like Zoom; with ``capture`` (pytest-django's
    ``django_capture_on_commit_callbacks``) the apply task runs after commit, as in the LMS."""
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    family = payload["event"].split(".", 1)[0]
    path = f"/zoom/webhook/{'meeting' if family == 'recording' else family}"
    headers = {k: v for k, v in signature_headers(secret, body).items() if k != "Content-Type"}
    if capture is None:
        return Client().post(path, body, content_type="application/json", headers=headers)
    with capture(execute=True):
        return Client().post(path, body, content_type="application/json", headers=headers)
