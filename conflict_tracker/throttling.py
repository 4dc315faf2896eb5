"""One throttle check per request, by who is asking."""

from rest_framework.throttling import SimpleRateThrottle


class RoleRateThrottle(SimpleRateThrottle):
    """Signed-in callers per account at the `user` rate, anonymous clients per address at the `anon` rate.

    DRF's AnonRateThrottle and UserRateThrottle together check an anonymous request twice (the user throttle
    falls back to the address), a cache round trip each; this checks once, with the same cache keys."""

    scope = "anon"

    def allow_request(self, request, view):
        self.scope = "user" if request.user and request.user.is_authenticated else "anon"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        ident = request.user.pk if self.scope == "user" else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
