"""gunicorn's settings for the production image (`--config python:safeguarding.gunicorn_conf`).

The access log names the path, never the query string or the referring address: a query
can hold a child's name or NHS number (an old bookmark, an integrator's API search), and
access logs are kept and read far more widely than the case records (SECURITY.md).

Workers are replaced after about `max_requests` requests each, so that a slow leak cannot
grow without end; measured under load (bench/README.md, "Under load"), two things made
that hurt, and this file answers both:

- **All workers recycled in the same second.** gunicorn's own jitter (`randint(0, 100)`
  on 1,000) is small against workers that share the load evenly, so they reached their
  limits together and, for a moment, nothing served. Here the first workers' limits are
  spread across one interval (1,000, 1,333 and 1,667 with three workers), so their
  replacements keep that spacing; later workers get the limit plus the small jitter.
- **A fresh worker was cold**: its first case page took 282 ms while Django imported
  every view, compiled the templates and connected to the database. With `preload_app`
  the master loads the app once and warms it (`warm`: every URLconf and view imported,
  every template of ours compiled, the form widgets, the translations and the static
  manifest loaded), then forks workers that start with all of it in memory. It opens no
  database, cache or broker connection, so none is shared across a fork; each worker
  connects to the database itself before it takes its first request
  (`post_worker_init`). `gc.freeze()` in the master, after warming, keeps the pages the
workers share from being copied by the collector.

`preload_app` means that SIGHUP restarts workers from the code the master loaded: a new
release is a new container (docker-compose.yml), never a HUP.
"""

from __future__ import annotations

import contextlib
import gc
import random
import time
from pathlib import Path

# Like gunicorn's default, with the path (%(U)s) for the request line (%(r)s holds the
# query) and no referrer (%(f)s is the previous page's full address): address, time,
# method, path, protocol, status, bytes, milliseconds and user agent.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
accesslog = "-"
errorlog = "-"

max_requests = 1000
max_requests_jitter = 100
preload_app = True


def recycle_after(age: int, workers: int, limit: int, jitter: int) -> int:
    """How many requests the `age`-th worker started serves before it is replaced.

    The first `workers` are spread over one interval (limit, limit + limit/workers, ...),
    so the workers that replace them stay that far apart; any later one gets the limit
    plus up to `jitter`."""
    if limit <= 0:
        return 0
    if age <= workers:
        return limit + limit * (age - 1) // workers
    return limit + random.randint(0, max(jitter, 0))  # noqa: S311 (not a secret)


def pre_fork(server, worker) -> None:
    """In the master, before the fork: the worker's own request limit (recycle_after)."""
    limit = server.cfg.max_requests
    if limit > 0:
        worker.max_requests = recycle_after(
            worker.age, server.num_workers, limit, server.cfg.max_requests_jitter
        )


def warm() -> int:
    """What the first requests of a worker would otherwise do: in the master, once, before
    any worker is forked. Touches no database, cache or broker. The templates compiled."""
    from django import forms
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.template import engines
    from django.template.utils import get_app_template_dirs
    from django.urls import get_resolver
    from django.utils import translation

    # Every URLconf, so every view module, imported; the reverse lookup (`{% url %}`) built.
    resolver = get_resolver()
    _ = resolver.reverse_dict
    # Our templates compiled into the cached loader, includes and all.
    ours = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    ours += [Path(d) for d in get_app_template_dirs("templates") if Path(d).is_relative_to(
        settings.BASE_DIR) and "site-packages" not in str(d)]  # fmt: skip
    compiled = 0
    engine = engines["django"]
    for folder in ours:
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".html", ".txt") and path.is_file():
                engine.get_template(str(path.relative_to(folder)))
                compiled += 1

    # The form renderer's own templates (widgets, error lists).
    class Sample(forms.Form):
        text = forms.CharField()
        notes = forms.CharField(widget=forms.Textarea)
        pick = forms.ChoiceField(choices=[("a", "A")])
        radio = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)
        many = forms.MultipleChoiceField(choices=[("a", "A")], widget=forms.CheckboxSelectMultiple)
        flag = forms.BooleanField()
        hidden = forms.CharField(widget=forms.HiddenInput)

    str(Sample(data={}))
    with translation.override(settings.LANGUAGE_CODE):
        translation.gettext("Enter a valid date.")
    # The manifest of hashed static names (read on first use), when there is one.
    with contextlib.suppress(ValueError):
        staticfiles_storage.url("app.css")
    return compiled


def when_ready(server) -> None:
    """The master is listening, no worker forked yet: warm the preloaded app."""
    if not server.cfg.preload_app:
        return
    began = time.monotonic()
    try:
        compiled = warm()
    except Exception:  # a warm-up that fails must not stop the service
        server.log.exception("Warming the app failed; workers will warm on first use")
        return
    gc.collect()
    gc.freeze()  # the objects loaded so far stay in pages the workers share
    server.log.info(
        "App warmed in %.0f ms (%d templates compiled)", (time.monotonic() - began) * 1000,
        compiled,
    )  # fmt: skip


def post_worker_init(worker) -> None:
    """In a new worker, before it accepts: its own database connection (never the
    master's; the master opens none)."""
    from django.db import connections

    try:
        for connection in connections.all():
            connection.ensure_connection()
    except Exception as error:  # a database that is down now is a request's problem later
        worker.log.warning("No database connection at worker start: %s", type(error).__name__)
