"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Every value can be changed through the environment (the systemd unit in the README sets
them). The app writes one JSON line per request itself (directory/core/observability.py,
with the request id), so gunicorn's own access log is off; its error log goes to stderr
(journald under systemd).
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# two workers per core is a good start for this I/O-bound app; at least 2
workers = int(os.environ.get("GUNICORN_WORKERS", max(2, multiprocessing.cpu_count() * 2)))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))        # a PDF sheet or an import preview may take a while
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# recycle workers now and then (bounded memory over weeks of uptime)
# a worker is replaced after this many requests (a guard against slow leaks); each new worker
# builds its search index and its shared parts again (about a second at 100,000 offers), so
# not too often
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# the reverse proxy on the same host sets X-Forwarded-For/-Proto (see the README's nginx example)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "wegweiser"
limit_request_line = 8190
limit_request_fields = 100
