"""``manage.py zoom_js_catalogs``: write the block's JavaScript catalogs from the compiled ones.

Run by ``make compile_translations`` after ``compilemessages``: each
``translations/<lang>/LC_MESSAGES/djangojs.mo`` becomes ``static/js/translations/<lang>.js``,
which the block loads for pages whose ``gettext`` does not know its strings (see
:mod:`zoom_xblock.rendering`).
"""
from django.core.management.base import BaseCommand

from zoom_xblock import rendering


class Command(BaseCommand):
    """Write static/js/translations/<lang>.js for every compiled djangojs catalog."""

    help = __doc__

    def handle(self, *args, **options):
        for path in rendering.write_catalogs():
            self.stdout.write(f"wrote {path}")
