"""Translation helpers: every user-facing string goes through Django's gettext.

The catalogs in ``translations/`` are added to ``LOCALE_PATHS`` by the plugin settings, so
the LMS, Studio, the workbench, templates (``{% translate %}``) and the JavaScript catalog all
find them.
"""
from django.utils.translation import gettext, gettext_lazy, gettext_noop, ngettext

__all__ = ["gettext", "gettext_lazy", "gettext_noop", "ngettext"]
