"""Production settings: nothing beyond the common defaults (credentials come from the operator)."""
from zoom_xblock.settings.common import plugin_settings as common_settings


def plugin_settings(settings):
    """Apply the common defaults."""
    common_settings(settings)
