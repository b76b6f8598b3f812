"""Issue 13 point 8: what the lifecycle sends is what Zoom's spec has (fields and formats)."""
import pytest

from tests.contract import spec
from zoom_xblock.meeting import zoom_body
from zoom_xblock.models import ZoomSession

PATHS = {("meeting", True): ("POST", "/users/{userId}/meetings"),
         ("meeting", False): ("PATCH", "/meetings/{meetingId}"),
         ("webinar", True): ("POST", "/users/{userId}/webinars"),
         ("webinar", False): ("PATCH", "/webinars/{webinarId}")}


@pytest.mark.parametrize(("kind", "creating"), list(PATHS))
def test_the_session_payload_is_exactly_zoom_spec(kind, creating):
    session = ZoomSession(usage_key="block-v1:X+Y+Z+type@zoom+block@b", kind=kind, title="T",
                          agenda="A", alternative_hosts=["a@example.com", "b@example.com"],
                          zoom_emails=True)
    payload = zoom_body.zoom_payload(session, creating=creating)
    method, path = PATHS[(kind, creating)]
    assert spec.body_problems(payload, spec.request_schema(method, path)) == []
    assert spec.separator_problems(kind, payload["settings"]) == []
    hosts = payload["settings"]["alternative_hosts"]
    assert hosts == ("a@example.com,b@example.com" if kind == "webinar"
                     else "a@example.com;b@example.com")
