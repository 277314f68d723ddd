"""gunicorn's settings for the production image (`--config python:safeguarding.gunicorn_conf`).

The access log names the path, never the query string or the referring address: a query
can hold a child's name or NHS number (an old bookmark, an integrator's API search), and
access logs are kept and read far more widely than the case records (SECURITY.md).
"""

# Like gunicorn's default, with the path (%(U)s) for the request line (%(r)s holds the
# query) and no referrer (%(f)s is the previous page's full address): address, time,
# method, path, protocol, status, bytes, milliseconds and user agent.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
accesslog = "-"
errorlog = "-"
