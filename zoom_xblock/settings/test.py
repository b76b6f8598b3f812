"""Settings for the platform's own test runs: never call a real Zoom by accident."""
import os

from zoom_xblock.settings.common import plugin_settings as common_settings

UNREACHABLE = "http://127.0.0.1:9"


def plugin_settings(settings):
    """Common defaults; Zoom URLs point nowhere unless the environment names a sandbox."""
    common_settings(settings)
    if not os.environ.get("ZOOM_OAUTH_URL"):
        settings.ZOOM_XBLOCK.setdefault("OAUTH_URL", UNREACHABLE + "/oauth/token")
