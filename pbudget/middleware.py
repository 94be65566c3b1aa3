"""Middleware of the core."""

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
