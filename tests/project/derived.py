"""The platform's ``Derived`` settings, for the workbench to load plugins as the LMS does.

Upstream: ``openedx/core/lib/derived.py`` (``Derived``, ``derive_settings``), used by
``openedx/envs/common.py`` for ``LOCALE_PATHS`` among others. At the COMMON stage, when
``add_plugins(..., SettingsType.COMMON)`` runs, such a setting is still a ``Derived`` object
(not iterable); ``derive_settings`` replaces it with its value at the end of the settings file.
"""
import sys


class Derived:
    """A setting whose value is computed from the finished settings module."""

    def __init__(self, calculate_value):
        self.calculate_value = calculate_value


def derive_settings(module_name: str) -> None:
    """Replace every top-level ``Derived`` setting of the module with its value."""
    module = sys.modules[module_name]
    for name, value in vars(module).items():
        if name.isupper() and isinstance(value, Derived):
            setattr(module, name, value.calculate_value(module))
