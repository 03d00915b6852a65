from qlvb.core import context


class RequestContextMiddleware:
    """Records the client address and channel for the audit log of this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        channel = "api" if request.path.startswith("/api/") else "web"
        token = context.set_current(
            context.ActingContext(
                client_address=request.META.get("REMOTE_ADDR", ""), channel=channel
            )
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)


class VietnameseFirstLocaleMiddleware:
    """Vietnamese unless the person chose another language (the language switch sets a cookie).

    Django's LocaleMiddleware follows the browser's Accept-Language, and most government PCs
    run an English-language browser: a Vietnamese product must not turn English for them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
