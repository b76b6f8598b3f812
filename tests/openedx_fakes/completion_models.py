"""Fake ``completion.models`` (edx-completion): ``BlockCompletion`` rows (user_id, context_key,
block_key, completion)."""
from tests.openedx_fakes import state
from tests.openedx_fakes.db import Manager


class BlockCompletion:
    objects = Manager("completion_blockcompletion", lambda: state.current().completions)
