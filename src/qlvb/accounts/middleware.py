class SecondFactorMiddleware:
    """Sends a person who still owes a second factor (TOTP) to its page. Filled in by the
    sign-in work; a pass-through until then."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
