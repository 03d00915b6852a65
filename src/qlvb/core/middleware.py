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
