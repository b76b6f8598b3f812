"""The plugin's own translations: one catalog, looked up by the plugin's code only.

The catalog is the one an XBlock ships in its package, as the platform's ``i18n`` service reads
it (``xmodule/modulestore/django.py`` ``XBlockI18nService.get_python_locale``: domain ``text``
in ``<package>/translations/<locale>/LC_MESSAGES/``, as xblock-drag-and-drop-v2 ships it). The
block's own text goes through that service (``XBlock.ugettext``); the rest of the plugin (the
Join pages, e-mails, staff pages, messages of the tasks) through the functions here. Neither
touches the site's ``LOCALE_PATHS``: the platform's own translations of common words stay the
platform's, and the plugin's words are looked up in the plugin's catalog first, then in the
site's (so that Django's own words are translated as everywhere else).

Sources are ``translations/<lang>/LC_MESSAGES/django.po`` (Django's ``makemessages`` writes
them); ``make compile_translations`` compiles each into ``text.mo`` next to it.
"""
import contextlib
import copy
import functools
import gettext as gettext_module
from importlib import resources
from pathlib import Path

from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_noop, trans_real

__all__ = ["DOMAIN", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "pgettext",
           "plugin_translations"]

DOMAIN = "text"


def translations_dir() -> Path:
    """The folder of the gettext catalogs (``<lang>/LC_MESSAGES/django.po``, compiled to
    ``text.mo``), shipped inside the package as ``zoom_xblock.translations``."""
    return Path(str(resources.files("zoom_xblock.translations")))


class PluginCatalog(gettext_module.GNUTranslations):
    """The plugin's catalog for one language, falling back to the site's (a Django
    ``DjangoTranslation``), usable wherever Django expects its active translation."""

    def to_language(self) -> str:
        """Django asks the active translation for its language (``get_language``)."""
        return self._fallback.to_language()


@functools.lru_cache(maxsize=64)
def _catalog(locale: str) -> PluginCatalog | None:
    try:
        return gettext_module.translation(DOMAIN, str(translations_dir()), [locale],
                                          class_=PluginCatalog)
    except OSError:
        return None  # no catalog for this language: the site's words, else English


def _layered(language: str):
    """The plugin's catalog for ``language`` in front of the site's, or the site's alone."""
    site = trans_real.translation(language)
    catalog = _catalog(translation.to_locale(language))
    if catalog is None:
        return site
    layered = copy.copy(catalog)  # the copy gets its own fallback; the cached one stays bare
    layered._fallback = site  # pylint: disable=protected-access
    return layered


@contextlib.contextmanager
def plugin_translations():
    """Inside, Django's translation machinery (template tags, lazy strings, ``gettext``)
    answers from the plugin's catalog first, for the active language."""
    language = translation.get_language()
    if not language:
        yield
        return
    # pylint: disable=protected-access
    missing = object()
    previous = getattr(trans_real._active, "value", missing)
    trans_real._active.value = _layered(language)
    try:
        yield
    finally:
        if previous is missing:
            del trans_real._active.value
        else:
            trans_real._active.value = previous


def gettext(message: str) -> str:
    """``message`` in the active language, from the plugin's catalog."""
    with plugin_translations():
        return translation.gettext(message)


def ngettext(singular: str, plural: str, number: int) -> str:
    """The singular or plural form for ``number``, from the plugin's catalog."""
    with plugin_translations():
        return translation.ngettext(singular, plural, number)


def pgettext(context: str, message: str) -> str:
    """``message`` in ``context``, from the plugin's catalog."""
    with plugin_translations():
        return translation.pgettext(context, message)


gettext_lazy = lazy(gettext, str)
