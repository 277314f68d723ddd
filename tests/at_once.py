"""Requests sent at the same moment, each on a database connection of its own: what a
double click or two colleagues at once do to a form or an endpoint."""

import threading

from django.db import connection


def at_once(clients, send) -> list:
    """Each client sends at the same moment, on its own database connection."""
    start = threading.Barrier(len(clients))
    answers = []

    def run(client):
        try:
            start.wait()
            answers.append(send(client))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers
