"""The platform's grade signals and their receivers, as the LMS has them (for the workbench).

Upstream: ``lms/djangoapps/grades/signals/signals.py`` (the signals) and
``lms/djangoapps/grades/signals/handlers.py`` (``score_published_handler``,
``problem_raw_score_changed_handler``, ``enqueue_subsection_update``), ``lms/djangoapps/grades/
scores.py`` (``weighted_score``, ``possibly_scored``). The workbench project exposes these
signals at their upstream import path, so edx-completion's own plugin configuration connects its
real ``scorable_block_completion`` receiver to :data:`PROBLEM_WEIGHTED_SCORE_CHANGED`, as in the
LMS.
"""
from django.dispatch import Signal
from opaque_keys.edx.keys import UsageKey
from xblock.core import XBlock

from tests.standin.models import BlockScore

# Sent by a block (or, from a worker, by xblock-lti-consumer's compat.publish_grade) with
# ``block, user, raw_earned, raw_possible, only_if_higher, score_deleted, grader_response``.
SCORE_PUBLISHED = Signal()
# Sent by the grades app with ``weighted_earned, weighted_possible, user_id, course_id, usage_id,
# only_if_higher, score_deleted, modified, score_db_table, grader_response``.
PROBLEM_WEIGHTED_SCORE_CHANGED = Signal()


def possibly_scored(usage_key) -> bool:
    """Upstream ``scores.possibly_scored``: only block types with ``has_score`` (or children)
    take part in grades; the others' scores are ignored."""
    block_type = UsageKey.from_string(str(usage_key)).block_type
    block_class = XBlock.load_class(block_type)
    return bool(getattr(block_class, "has_score", False)
                or getattr(block_class, "has_children", False))


def weighted_score(raw_earned, raw_possible, weight):
    """Upstream ``scores.weighted_score``: the raw score scaled to the block's weight."""
    if weight is None or raw_possible == 0:
        return raw_earned, raw_possible
    return float(raw_earned) * weight / raw_possible, float(weight)


def score_published_handler(sender, block, user, raw_earned, raw_possible, only_if_higher,
                            **kwargs):  # pylint: disable=unused-argument
    """Store the score (upstream: ``set_score`` in courseware's StudentModule, which returns the
    row's modified time) and tell the grades app, with that real time."""
    row, _created = BlockScore.objects.update_or_create(
        user_id=user.id, block_key=str(block.location),
        defaults={"earned": raw_earned, "possible": raw_possible})
    weighted_earned, weighted_possible = weighted_score(raw_earned, raw_possible,
                                                        getattr(block, "weight", None))
    PROBLEM_WEIGHTED_SCORE_CHANGED.send(
        sender=None, weighted_earned=weighted_earned, weighted_possible=weighted_possible,
        user_id=user.id, course_id=str(block.location.course_key), usage_id=str(block.location),
        only_if_higher=only_if_higher, score_deleted=kwargs.get("score_deleted", False),
        modified=row.modified, score_db_table="csm",
        grader_response=kwargs.get("grader_response", False),
    )
    return True


def enqueue_subsection_update(sender, **kwargs):  # pylint: disable=unused-argument
    """Upstream queues ``recalculate_subsection_grade_v3`` with
    ``expected_modified_time=to_timestamp(kwargs['modified'])``: a score sent without a real
    ``modified`` raises here, as it does in the LMS."""
    kwargs["modified"].timestamp()


SCORE_PUBLISHED.connect(score_published_handler, dispatch_uid="standalone.score_published")
PROBLEM_WEIGHTED_SCORE_CHANGED.connect(enqueue_subsection_update,
                                       dispatch_uid="standalone.enqueue_subsection_update")


class PublishedBlock:
    """What ``modulestore().get_item(usage_key)`` gives a worker: the block's location (and its
    weight, which the workbench keeps in the session, not in a modulestore)."""

    def __init__(self, usage_key, weight=None):
        self.location = UsageKey.from_string(str(usage_key))
        self.weight = weight

