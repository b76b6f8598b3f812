"""Meeting and webinar lifecycle in Zoom: create, update, delete (see issue: authoring)."""


def apply_session(session_id: int) -> dict:
    """Create or update the session's meeting in Zoom."""
    raise NotImplementedError("meeting lifecycle is not implemented yet")


def delete_session(usage_key: str) -> dict:
    """Delete the session's meeting in Zoom."""
    raise NotImplementedError("meeting lifecycle is not implemented yet")
