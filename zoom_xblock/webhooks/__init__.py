"""Zoom's webhooks: the intake view, applying the stored events, and attendance."""
