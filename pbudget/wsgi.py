"""WSGI entry point: ``gunicorn pbudget.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pbudget.settings")

application = get_wsgi_application()

# Import every URLconf (and the views behind them) now, not on the first request each
# web process serves: that import takes about a second, which the first voters would wait.
get_resolver().url_patterns  # noqa: B018
