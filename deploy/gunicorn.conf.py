"""gunicorn settings for production (deploy/README.md): ``gunicorn -c deploy/gunicorn.conf.py
config.wsgi``. Always behind the nginx front (deploy/nginx/chinhquyen.conf), which hands over
only whole requests: that is what makes sync workers safe against slow clients, so gunicorn
listens on loopback only. Every value can be changed from the environment (GUNICORN_*).
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# Loopback only: the application must not be reachable around nginx (it trusts the proxy's
# X-Forwarded-For/-Proto, BEHIND_PROXY in config/settings/production.py).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: nginx buffers, so a worker is only ever computing. `make bench` measured 2 per
# core-pair best when PostgreSQL shares the machine (docs/benchmarks.md); on a dedicated
# application server 2 × cores + 1.
workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1)
worker_class = "sync"
# A request running longer than this is killed (and logged); nginx waits 60 s.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)  # nginx keeps upstream connections open (keepalive 16)
backlog = _int("GUNICORN_BACKLOG", 2048)
# Recycle workers now and then so that a slow leak never grows without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 500)
# Request heads beyond these are refused (nginx already limits them: 4 × 16 KB).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 16384
# Only the local nginx may set the scheme header for gunicorn itself.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# The heartbeat files in memory, not on a disk that may stall (gunicorn's documented advice).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None  # nginx keeps the access log
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "warning")
proc_name = "chinhquyen"
