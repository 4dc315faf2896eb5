"""Django's PostgreSQL backend, with a health check that costs a round trip only on a connection left idle.

With CONN_HEALTH_CHECKS, Django sends `SELECT 1` before the first query of every request on a kept connection: on
the incident list, one round trip in three (the page, its rendering, the check), to ask a connection that answered
a moment ago whether it still does. Here a connection that ran a query less than HEALTH_CHECK_IDLE_SECONDS ago is
taken as alive; one idle longer (across a restart of the server, a network cut, an idle timeout) is still checked,
and replaced if it fails. A connection lost within that second fails its next request once, and Django then drops it
(`close_if_unusable_or_obsolete`), as it does a connection that breaks in the middle of a request.
"""

import time

from django.db.backends.postgresql import base

HEALTH_CHECK_IDLE_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    # When a cursor was last made on the current connection (monotonic seconds); every query has one.
    used_at = float("-inf")

    def close_if_health_check_failed(self):
        recent = time.monotonic() - self.used_at < HEALTH_CHECK_IDLE_SECONDS
        if self.connection is not None and recent and not self.connection.closed:
            self.health_check_done = True
        super().close_if_health_check_failed()

    def _prepare_cursor(self, cursor):
        self.used_at = time.monotonic()
        return super()._prepare_cursor(cursor)
