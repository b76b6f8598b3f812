"""Where the shipped static files, templates and translations are, and template rendering.

The three folders ship inside the package as ``zoom_xblock.static``, ``.templates`` and
``.translations``; :mod:`importlib.resources` finds them in a wheel and in an editable install
alike. Templates are rendered by a dedicated Django template engine so that they work the same
in the LMS, in Studio, in the workbench and in e-mails, whatever the host's TEMPLATES setting.
"""
import functools
from importlib import resources
from pathlib import Path


def _folder(name: str) -> Path:
    return Path(str(resources.files(f"zoom_xblock.{name}")))


def static_dir() -> Path:
    """The folder of the block's CSS and JavaScript."""
    return _folder("static")


def templates_dir() -> Path:
    """The folder of the Django templates."""
    return _folder("templates")


def translations_dir() -> Path:
    """The folder of the gettext catalogs (``<lang>/LC_MESSAGES/django.po``, compiled to
    ``text.mo``: see :mod:`zoom_xblock.i18n`)."""
    return _folder("translations")


def read_static(relative_path: str) -> str:
    """The text of a static file, e.g. ``css/zoom.css``."""
    return (static_dir() / relative_path).read_text(encoding="utf-8")


@functools.cache
def template_engine():
    """A Django template engine that only sees this package's templates."""
    from django.template import Engine  # pylint: disable=import-outside-toplevel

    return Engine(
        dirs=[str(templates_dir())],
        app_dirs=False,
        libraries={
            "i18n": "django.templatetags.i18n",
            "tz": "django.templatetags.tz",
            "l10n": "django.templatetags.l10n",
        },
        autoescape=True,
        context_processors=["django.template.context_processors.csrf"],
    )


def render_template(name: str, context: dict | None = None, request=None) -> str:
    """Render ``templates/<name>`` with ``context`` (CSRF token added when ``request`` is given)."""
    from django.template import Context, RequestContext  # pylint: disable=import-outside-toplevel

    from zoom_xblock.i18n import plugin_translations  # pylint: disable=import-outside-toplevel

    template = template_engine().get_template(name)
    with plugin_translations():  # {% translate %} and friends read the plugin's catalog first
        if request is not None:
            return template.render(RequestContext(request, context or {}))
        return template.render(Context(context or {}))
