"""Studio's Publish, "Discard changes" and Delete for the workbench's blocks.

The branches and the events are the stand-in modulestore's (``tests.standin.outline``,
which follows ``xmodule/modulestore/split_mongo/split_draft.py`` and ``mixed.py``); this module
is the workbench's side: its key-value store holds a block's draft fields, so Publish reads them
from there and Discard writes the published ones back.

A Zoom block loaded from XML (a workbench scenario, a test's block) is imported content: it
enters the outline published, in a unit of its own, as a course import publishes what it
imports (``xmodule/modulestore/xml_importer.py``).
"""
import hashlib

from xblock.fields import Scope

from tests.standin import outline
from tests.standin.models import OutlineItem
from zoom_xblock.platform import WORKBENCH_COURSE_KEY

UNIT_PREFIX = "block-v1:Demo+Zoom+2026+type@vertical+block@"


def settings_fields(block) -> dict:
    """The block's Scope.settings fields that are set, as JSON (what a branch stores)."""
    return {name: field.to_json(field.read_from(block)) for name, field in block.fields.items()
            if field.scope == Scope.settings and field.is_set_on(block)}


def unit_of(usage_key: str) -> str:
    """The unit holding a block (its own unit for a block loaded from XML)."""
    item = OutlineItem.objects.filter(usage_key=str(usage_key)).first()
    if item is not None and item.draft_parent:
        return item.draft_parent
    digest = hashlib.sha1(str(usage_key).encode(), usedforsecurity=False).hexdigest()[:12]
    return UNIT_PREFIX + "u" + digest


def register(block) -> None:
    """Put a Zoom block loaded from XML into the outline, published as imported."""
    usage_key = str(block.scope_ids.usage_id)
    if OutlineItem.objects.filter(usage_key=usage_key).exists():
        return
    unit = unit_of(usage_key)
    if not OutlineItem.objects.filter(usage_key=unit).exists():
        outline.add(unit, "vertical", "", WORKBENCH_COURSE_KEY, published=True)
    outline.add(usage_key, "zoom", unit, WORKBENCH_COURSE_KEY, published=True,
                fields=settings_fields(block))


def _runtime():
    from tests.project.runtime import ZoomWorkbenchRuntime  # pylint: disable=import-outside-toplevel

    return ZoomWorkbenchRuntime(None)


def publish(item_key: str) -> None:
    """Studio's Publish on a unit (or subsection, section): sends XBLOCK_PUBLISHED."""
    runtime = _runtime()
    outline.publish(item_key, lambda key: settings_fields(runtime.get_block(key)))


def discard(item_key: str) -> None:
    """Studio's "Discard changes": the draft becomes the published version again, silently."""
    runtime = _runtime()
    for key, fields in outline.discard(item_key).items():
        block = runtime.get_block(key)
        for name, field in block.fields.items():
            if field.scope != Scope.settings:
                continue
            if name in fields:
                field.write_to(block, field.from_json(fields[name]))
            elif field.is_set_on(block):
                field.delete_from(block)
        block.save()


def delete(item_key: str) -> None:
    """Studio's delete (XBLOCK_DELETED for this item only, after commit)."""
    outline.delete(item_key)


def has_unpublished_changes(block) -> bool:
    """Studio's "unpublished changes" flag for the block's unit."""
    published = outline.published_fields(str(block.scope_ids.usage_id))
    return published is not None and published != settings_fields(block)
