"""Django's PostgreSQL backend, with a health check that costs a round trip only on a connection left idle.

With CONN_HEALTH_CHECKS, Django sends `SELECT 1` before the first query of every request on a kept connection: on
the incident list, one round trip in two, to ask a connection that answered a moment ago whether it still does.
Here a connection that ran a query less than HEALTH_CHECK_IDLE_SECONDS ago, and on which the server has sent nothing
since (a server that stops or ends the connection says so and closes the socket, which then reads as ready), is taken
as alive without asking; any other is checked as Django checks it, and replaced if it fails.
"""

import select
import time

from django.db.backends.postgresql import base

HEALTH_CHECK_IDLE_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    # When a cursor was last made on the current connection (monotonic seconds); every query has one.
    used_at = float("-inf")

    def close_if_health_check_failed(self):
        if self.connection is not None and not self.health_check_done and self._quietly_alive():
            self.health_check_done = True
        super().close_if_health_check_failed()

    def _quietly_alive(self) -> bool:
        if self.connection.closed or time.monotonic() - self.used_at >= HEALTH_CHECK_IDLE_SECONDS:
            return False
        # Between queries the server sends nothing unless it is closing the connection: readable means go and ask.
        # poll, not select: select refuses descriptors above 1023, which a busy process can reach.
        poller = select.poll()
        poller.register(self.connection.fileno(), select.POLLIN)
        return not poller.poll(0)

    def _prepare_cursor(self, cursor):
        self.used_at = time.monotonic()
        return super()._prepare_cursor(cursor)
