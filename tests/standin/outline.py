"""The stand-in modulestore's two branches: what Studio edits (draft) and what the LMS shows.

It behaves as the platform's split modulestore does where the plugin depends on it:

- ``xmodule/modulestore/split_mongo/split_draft.py``: Studio writes go to the draft branch; the
  "direct only" categories (``DIRECT_ONLY_CATEGORIES`` in
  ``xmodule/modulestore/draft_and_published.py``: course, section, subsection) live in both
  branches at once. ``publish`` copies an item's draft subtree over its published one;
  ``revert_to_published`` (Studio's "Discard changes") does the reverse; ``delete_item`` deletes
  a direct-only item from both branches, anything else from the draft only, and re-publishes a
  direct-only parent (so a unit deleted from a subsection leaves the LMS at once, while a
  component deleted from a unit stays published until the unit is published again).
- ``xmodule/modulestore/mixed.py``: ``publish`` sends ``XBLOCK_PUBLISHED`` for the published
  item only, ``delete_item`` sends ``XBLOCK_DELETED`` for the deleted item only (never for its
  descendants, after the change is committed), ``revert_to_published`` sends nothing.

The workbench keeps a Zoom block's draft fields in its own key-value store: callers pass
``draft_fields(usage_key) -> dict`` to :func:`publish` and write back what :func:`discard`
returns (see ``tests/project/studio.py``).
"""
from collections.abc import Callable
from datetime import UTC, datetime

from django.db import transaction
from django.dispatch import Signal
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import UsageKey
from openedx_events.content_authoring.data import XBlockData
from openedx_events.content_authoring.signals import XBLOCK_DELETED, XBLOCK_PUBLISHED

from tests.standin.models import OutlineItem
from zoom_xblock.platform import WORKBENCH_COURSE_KEY, PublishedZoomBlock

DIRECT_ONLY = ("course", "chapter", "sequential")
# Stands in for xmodule/modulestore/django.py ``SignalHandler.course_deleted`` (importable as
# ``xmodule.modulestore.django.COURSE_DELETED``), sent with ``course_key`` by the modulestore's
# ``delete_course``; the workbench connects the plugin's CMS receiver to it (tests/project/apps.py).
COURSE_DELETED = Signal()


class InvalidVersionError(Exception):
    """Discarding an item that was never published (the platform raises the same)."""


def _key(usage_key: str):
    """An opaque key where the string is one (the workbench's own ids are not)."""
    try:
        return UsageKey.from_string(usage_key)
    except InvalidKeyError:
        return usage_key


def add(usage_key: str, block_type: str, parent: str = "", course_key: str = WORKBENCH_COURSE_KEY,
        *, published: bool = False, fields: dict | None = None) -> OutlineItem:
    """Create an item in the draft branch under ``parent`` ('' for the course itself).

    Direct-only categories are published at once (split_draft ``create_item``);
    ``published=True`` stands for imported content (a course import publishes what it imports).
    """
    position = OutlineItem.objects.filter(course_key=course_key, draft_parent=parent).count()
    both = published or block_type in DIRECT_ONLY
    item, _created = OutlineItem.objects.update_or_create(usage_key=usage_key, defaults={
        "course_key": course_key, "block_type": block_type, "draft_parent": parent,
        "in_draft": True, "position": position,
        **({"in_published": True, "published_parent": parent, "published_fields": fields or {}}
           if both else {}),
    })
    return item


def _children(items: dict, branch: str) -> dict:
    children = {}
    for item in items.values():
        if getattr(item, f"in_{branch}"):
            children.setdefault(getattr(item, f"{branch}_parent"), []).append(item.usage_key)
    return children


def _subtree(items: dict, root: str, branch: str) -> list[str]:
    children, found, stack = _children(items, branch), [], [root]
    while stack:
        key = stack.pop()
        found.append(key)
        stack.extend(children.get(key, []))
    return found


def _course_items(usage_key: str) -> dict:
    item = OutlineItem.objects.get(usage_key=usage_key)
    rows = OutlineItem.objects.select_for_update().filter(course_key=item.course_key)
    return {row.usage_key: row for row in rows}


def _save(items):
    for item in items:
        item.save()


def _event_data(item: OutlineItem) -> XBlockData:
    return XBlockData(usage_key=_key(item.usage_key), block_type=item.block_type)


def publish(usage_key: str, draft_fields: Callable[[str], dict]) -> None:
    """Studio's Publish: the item's draft subtree becomes its published subtree, then
    ``XBLOCK_PUBLISHED`` names the item (and only it)."""
    with transaction.atomic():
        items = _course_items(usage_key)
        root = items[usage_key]
        draft = _subtree(items, usage_key, "draft")
        published = _subtree(items, usage_key, "published") if root.in_published else []
        for key in draft:
            item = items[key]
            item.in_published, item.published_parent = True, item.draft_parent
            if item.block_type == "zoom":
                item.published_fields = draft_fields(key)
        for key in set(published) - set(draft):
            items[key].in_published = False  # deleted in the draft: gone from the LMS now
        _save(items[key] for key in set(draft) | set(published))
        XBLOCK_PUBLISHED.send_event(time=datetime.now(UTC), xblock_info=_event_data(root))


def discard(usage_key: str) -> dict[str, dict]:
    """Studio's "Discard changes": the draft subtree becomes the published one again.

    No signal at all, as upstream. Returns the published fields of the Zoom blocks in the
    subtree, for the caller to write back into the draft."""
    with transaction.atomic():
        items = _course_items(usage_key)
        root = items[usage_key]
        if root.block_type in DIRECT_ONLY:
            return {}
        if not root.in_published:
            raise InvalidVersionError(usage_key)
        draft = _subtree(items, usage_key, "draft")
        published = _subtree(items, usage_key, "published")
        for key in set(draft) - set(published):
            items[key].in_draft = False  # never published: the discard removes it
        for key in published:
            item = items[key]
            item.in_draft, item.draft_parent = True, item.published_parent
        _save(items[key] for key in set(draft) | set(published))
        return {key: dict(items[key].published_fields) for key in published
                if items[key].block_type == "zoom"}


def delete(usage_key: str) -> None:
    """Studio's delete: from both branches for a direct-only item, from the draft otherwise
    (re-publishing a direct-only parent); ``XBLOCK_DELETED`` for the deleted item only,
    after commit."""
    with transaction.atomic():
        items = _course_items(usage_key)
        root = items[usage_key]
        draft = _subtree(items, usage_key, "draft")
        changed = set(draft)
        for key in draft:
            items[key].in_draft = False
        parent = items.get(root.draft_parent)
        if root.block_type in DIRECT_ONLY:
            published = _subtree(items, usage_key, "published") if root.in_published else []
            for key in published:
                items[key].in_published = False
            changed |= set(published)
        elif parent is None or parent.block_type in DIRECT_ONLY:
            # The parent is published without its descendants (blacklist=EXCLUDE_ALL): its
            # published children list loses the deleted item.
            root.in_published = False
        _save(items[key] for key in changed)
        data = _event_data(root)
        transaction.on_commit(lambda: XBLOCK_DELETED.send_event(time=datetime.now(UTC),
                                                                xblock_info=data))


def delete_course(course_key: str) -> None:
    """Studio's course deletion: both branches go, and only ``course_deleted`` is sent (no
    XBLOCK_DELETED for any block of the course)."""
    with transaction.atomic():
        OutlineItem.objects.filter(course_key=course_key).delete()
        transaction.on_commit(lambda: COURSE_DELETED.send(sender=OutlineItem,
                                                          course_key=course_key))


def is_published(usage_key: str) -> bool:
    """True when the LMS can load the block (it is reachable in the published branch)."""
    item = OutlineItem.objects.filter(usage_key=usage_key).first()
    if item is None:
        return True  # not in the outline: content loaded from XML, published as imported
    return any(block.usage_key == usage_key for block in published_zoom_blocks(item.course_key))


def published_fields(usage_key: str) -> dict | None:
    """The published fields of a Zoom block in the outline (None: not in the outline)."""
    item = OutlineItem.objects.filter(usage_key=usage_key).first()
    return None if item is None else dict(item.published_fields)


def published_zoom_blocks(course_key: str, under: str | None = None) -> list[PublishedZoomBlock]:
    """The Zoom blocks reachable from the course in the published branch (nearest ancestor
    first), like a walk of ``get_course(depth=None)`` on the published branch."""
    rows = {row.usage_key: row for row in OutlineItem.objects.filter(
        course_key=course_key, in_published=True)}
    found = []
    for row in rows.values():
        if row.block_type != "zoom":
            continue
        ancestors, parent = [], row.published_parent
        while parent and parent in rows and parent not in ancestors:
            ancestors.append(parent)
            parent = rows[parent].published_parent
        if parent:  # an ancestor is not published: the LMS cannot reach the block
            continue
        if under is None or under == row.usage_key or under in ancestors:
            found.append(PublishedZoomBlock(row.usage_key, course_key,
                                            dict(row.published_fields), tuple(ancestors)))
    return sorted(found, key=lambda block: block.usage_key)
