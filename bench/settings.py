"""Settings of the benchmarked server: the project's, plus a query counter.

Only the bench server uses this module (``DJANGO_SETTINGS_MODULE=bench.settings``
with ``COMPTOIR_BENCH=1``); the production settings never load the counter.
"""

from __future__ import annotations

import os

from comptoir.settings import *  # noqa: F403
from comptoir.settings import MIDDLEWARE

if os.environ.get("COMPTOIR_BENCH") == "1":
    MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
