"""Middleware of the core."""

from csp.middleware import CSPMiddleware as _CSPMiddleware
from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    """Use the language a signed-in user chose, unless this request already picked one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if (
            user is not None
            and user.is_authenticated
            and user.language
            and not cookie
            and user.language in dict(settings.LANGUAGES)
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class CSPMiddleware(_CSPMiddleware):
    """django-csp's middleware, leaving out redirects.

    A browser renders nothing of a redirect, so a Content-Security-Policy there protects
    nothing; building the policy costs a few hundred microseconds on every cast of a
    ballot (answered by a redirect to the receipt).
    """

    def process_response(self, request, response):
        if response.status_code in _REDIRECTS:
            return response
        return super().process_response(request, response)


_REDIRECTS = frozenset({301, 302, 303, 307, 308})
