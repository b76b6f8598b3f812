"""Fake ``openedx.core.djangoapps.user_api.preferences.api``: ``get_user_preference``."""
from tests.openedx_fakes import state
from tests.openedx_fakes.db import LEDGER


def get_user_preference(requesting_user, preference_key, username=None):
    """The value of the preference (None when unset); one query, as upstream."""
    LEDGER.query("user_api_userpreference")
    user_id = requesting_user.id if username is None else username
    return state.current().preferences.get((user_id, preference_key))
