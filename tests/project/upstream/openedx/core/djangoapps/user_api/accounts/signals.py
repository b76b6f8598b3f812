"""The account retirement signals at upstream's path
(``openedx/core/djangoapps/user_api/accounts/signals.py``): the retirement pipeline sends them
with ``user`` (``USER_RETIRE_LMS_CRITICAL`` also with ``retired_username`` and
``retired_email`` in newer releases)."""
from django.dispatch import Signal

USER_RETIRE_MAILINGS = Signal()
USER_RETIRE_LMS_CRITICAL = Signal()
USER_RETIRE_LMS_MISC = Signal()
