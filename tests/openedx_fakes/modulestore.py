"""Fake ``xmodule.modulestore.django``: ``modulestore()`` with ``get_item``, ``get_items`` and
``get_course`` (upstream signatures), counting calls."""
from tests.openedx_fakes import state
from tests.openedx_fakes.db import LEDGER
from tests.openedx_fakes.modulestore_exceptions import ItemNotFoundError


class ModuleStore:
    def get_item(self, usage_key, depth=0, **kwargs):  # pylint: disable=unused-argument
        LEDGER.call("modulestore.get_item")
        try:
            return state.current().blocks[usage_key]
        except KeyError:
            raise ItemNotFoundError(usage_key) from None

    def get_items(self, course_id, settings=None, content=None, qualifiers=None,
                  **kwargs):  # pylint: disable=unused-argument
        LEDGER.call("modulestore.get_items")
        category = (qualifiers or {}).get("category")
        return [block for key, block in state.current().blocks.items()
                if key.course_key == course_id and (category is None or block.category == category)]

    def get_course(self, course_key, depth=0, **kwargs):  # pylint: disable=unused-argument
        LEDGER.call("modulestore.get_course")
        return state.current().courses.get(course_key)


def modulestore():
    return ModuleStore()
