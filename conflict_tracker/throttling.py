"""One throttle check per request, by who is asking, in one round trip to Redis."""

import logging
import uuid
import weakref

from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

from conflict_tracker.addresses import client_address

logger = logging.getLogger(__name__)

# DRF's sliding window, run by Redis itself: a sorted set of the caller's request times under the throttle's key.
# Times older than the window leave it; the request is counted if fewer than `allowed` remain. Answers whether it
# was, how many the window now holds and the oldest time in it (for Retry-After). A key of another type is replaced.
_SLIDING_WINDOW = """
local key, now, duration, allowed = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local kind = redis.call('TYPE', key).ok
if kind ~= 'zset' and kind ~= 'none' then redis.call('DEL', key) end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - duration)
local count = redis.call('ZCARD', key)
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2] or ARGV[1]
if count >= allowed then return {0, count, oldest} end
redis.call('ZADD', key, ARGV[1], ARGV[4])
redis.call('EXPIRE', key, duration)
return {1, count + 1, oldest}
"""


# The script bound to a Redis client, per cache: Django makes a new client object at each cache operation.
_scripts: "weakref.WeakKeyDictionary[RedisCacheClient, object]" = weakref.WeakKeyDictionary()


def _sliding_window(cache_client: RedisCacheClient):
    script = _scripts.get(cache_client)
    if script is None:
        # Writes, and so this script, always go to the first server.
        script = _scripts[cache_client] = cache_client.get_client(write=True).register_script(_SLIDING_WINDOW)
    return script


class RoleRateThrottle(SimpleRateThrottle):
    """Signed-in callers per account at the `user` rate, anonymous clients per address at the `anon` rate.

    DRF's AnonRateThrottle and UserRateThrottle together check an anonymous request twice (the user throttle
    falls back to the address), and each check reads the caller's history from the cache and writes it back: four
    round trips. This checks once, with DRF's sliding window, and on Redis in a single script (one round trip);
    with another cache backend it works as DRF's throttle does. On Redis the window is a sorted set, under keys of
    its own (`redis_format`), so that a server still running DRF's throttle (during a deploy) never reads one as
    its pickled list."""

    scope = "anon"
    redis_format = "throttle_window_%(scope)s_%(ident)s"

    def allow_request(self, request, view):
        self.scope = self.scope_of(request, view)
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.counted = None
        client = getattr(self.cache, "_cache", None)
        if self.rate is None or not isinstance(client, RedisCacheClient):
            return super().allow_request(request, view)
        self.key = self.redis_format % {"scope": self.scope, "ident": self._ident(request)}
        self.now = self.timer()
        try:
            allowed, self.counted, oldest = _sliding_window(client)(
                keys=[self.cache.make_and_validate_key(self.key)],
                args=[repr(self.now), self.duration, self.num_requests, uuid.uuid4().hex],
            )
        except RedisError as error:
            # Fail open: an outage of Redis must not take the API down with it (REDIS_TIMEOUT bounds the wait).
            logger.warning("Request not throttled, Redis is unavailable: %s", error)
            return True
        self.oldest = float(oldest)
        return bool(allowed)

    def wait(self):
        if self.counted is None:
            return super().wait()
        # As DRF's: the time left until the oldest request leaves the window, spread over the requests then free.
        remaining_duration = self.duration - (self.now - self.oldest) if self.counted else self.duration
        available_requests = self.num_requests - self.counted + 1
        if available_requests <= 0:
            return None
        return remaining_duration / available_requests

    def scope_of(self, request, view) -> str:
        return "user" if self._signed_in(request) else "anon"

    def _signed_in(self, request) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def _ident(self, request):
        return request.user.pk if self._signed_in(request) else self.get_ident(request)

    def get_ident(self, request):
        return client_address(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self._ident(request)}


class ScopedRateThrottle(RoleRateThrottle):
    """DRF's ScopedRateThrottle (the rate named by the view's `throttle_scope`, per account or per address), counted
    as above. DRF's reads the history, decides, then writes it back, so parallel requests all pass one check before
    any is counted: fifty simultaneous password guesses were all tried against a limit of ten. Here Redis decides and
    counts in one step."""

    def scope_of(self, request, view) -> str:
        return view.throttle_scope
