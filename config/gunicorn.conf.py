"""gunicorn settings for the container (docker/entrypoint.sh) and the live-server tests.

Request limits: gunicorn refuses a request line over 8190 bytes, more than 200 header fields or
a header field over 16380 bytes with its own plain-text 400, before the application sees the
request. Below those, the application's stricter limits (REQUEST_LINE_LIMIT 4094,
REQUEST_FIELDS_LIMIT 100, REQUEST_FIELD_SIZE_LIMIT 8190) answer 414/431 in the API's JSON shape.
"""

import os

bind = f"{os.environ.get('BIND_ADDRESS', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20

limit_request_line = 8190
limit_request_fields = 200
limit_request_field_size = 16380

# The application logs one JSON line per request (crosswalk.requests); no second access log.
accesslog = None
errorlog = "-"

# --- Streaming (issue 14). Threads, so that an export streaming to a slow client holds one thread
# of a worker, not the worker; with sync workers two slow downloads stalled every other request,
# and `timeout` killed a worker mid-file (a truncated download that looked complete). For gthread
# workers `timeout` is only the worker's heartbeat: no request is cut by it. What cuts a stream
# instead is a client that takes more than CLIENT_TIMEOUT seconds to accept one chunk (256 KiB) or
# to send its request: the connection is then closed without the chunked encoding's last chunk,
# so the client knows its file is incomplete.
worker_class = "config.gunicorn_worker.StreamingThreadWorker"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
keepalive = 5
