"""Fake ``lms.djangoapps.courseware.block_render``: ``get_block_for_descriptor`` binds the block
to the user (with their field overrides: individual start dates, CCX) and, as upstream, returns
None when ``has_access(user, 'load', block, course_key)`` refuses the bound block."""
from tests.openedx_fakes import state
from tests.openedx_fakes.courseware_access import has_access
from tests.openedx_fakes.db import LEDGER


def get_block_for_descriptor(user, request, block, field_data_cache, course_key, position=None,
                             wrap_xblock_display=True, grade_bucket_type=None,
                             static_asset_path="", disable_staff_debug_info=False, course=None,
                             will_recheck_access=False):  # pylint: disable=unused-argument
    LEDGER.call("get_block_for_descriptor")
    overrides = state.current().overrides.get((block.location, user.id), {})
    bound = block.bound_copy(user.id, overrides)
    return bound if has_access(user, "load", bound, course_key) else None
