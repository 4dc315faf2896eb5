"""gunicorn's settings for the web service (the image's command and docker-compose.yml), from the environment.

Threaded workers (gthread): each worker process serves GUNICORN_THREADS requests at once, so a long export ties up
one thread, not a process. With gthread, GUNICORN_TIMEOUT is the worker's heartbeat, not a limit on a request: the
worker's main loop tells the master it is alive while its threads serve, so a streamed export of millions of rows
runs to its end however long it takes; only a worker whose main loop hangs that long is killed and replaced.
The defaults suit 2 cores: 3 processes of 4 threads, one process more than cores so a core never idles while another
waits on PostgreSQL. GUNICORN_GRACEFUL_TIMEOUT is how long requests still running at a restart may go on.

Logs: the app writes one line per request itself, with its request id (conflict_tracker.logs), so gunicorn's access
log is off; gunicorn's own records (boot, worker restarts, errors) go through the app's LOGGING, as JSON lines in
production like every other record.
"""

import os

from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conflict_tracker.settings")

wsgi_app = "conflict_tracker.wsgi"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Seconds an idle connection is kept open; above the proxy's idle time for its upstream connections if it keeps any.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# No `gunicornc` control socket: nothing uses it, and the image's user has no home directory to put it in.
control_socket_disable = True

accesslog = None
logconfig_dict = {
    **settings.LOGGING,
    "loggers": {
        **settings.LOGGING["loggers"],
        "gunicorn.error": {"propagate": True},
        "gunicorn.access": {"propagate": False},
    },
}
