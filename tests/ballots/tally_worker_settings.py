"""Settings of the Celery workers the worker-kill test starts and kills.

A queue of their own, and a short visibility timeout: Redis hands a message that was
taken but never acknowledged (its worker was killed) to the next worker after 3 s
instead of an hour.
"""

import os

from pbudget.settings_test import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["PBUDGET_TALLY_KILL_QUEUE"]
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
