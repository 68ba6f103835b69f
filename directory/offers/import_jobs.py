"""Imports as background jobs: with ``REDIS_URL`` set, an RQ queue ("imports") worked by
``flask import-worker``; without Redis (and in tests) the job runs right away in the request.

The job reads the upload stored in its :class:`ImportRun`, imports it in batches (see
:mod:`directory.offers.importer`) and records progress, the report, or the error.
"""
from __future__ import annotations

import logging

from flask import current_app

from directory.core.geo import app_geocoder
from directory.extensions import db
from directory.models import ImportRun, ImportState
from directory.offers import importer

QUEUE = "imports"
log = logging.getLogger(__name__)


def _redis():
    from redis import Redis

    return Redis.from_url(current_app.config["REDIS_URL"])


def uses_queue() -> bool:
    return bool(current_app.config.get("REDIS_URL")) and not current_app.config.get("IMPORT_INLINE")


def start(run: ImportRun) -> None:
    """Queue the run (the caller has stored its options); inline without Redis."""
    run.state = ImportState.queued.value
    run.processed = 0
    db.session.commit()
    if uses_queue():
        from rq import Queue

        Queue(QUEUE, connection=_redis()).enqueue(run_import, run.id, job_timeout=3600, result_ttl=0,
                                                  failure_ttl=86400)
    else:
        run_import(run.id)


def run_import(run_id: int) -> None:
    run = db.session.get(ImportRun, run_id)
    if run is None or run.state != ImportState.queued.value:
        return
    run.state = ImportState.running.value
    db.session.commit()
    try:
        importer.execute(run, app_geocoder())
    except importer.ImportFileError as exc:
        _fail(run_id, str(exc))
    except Exception as exc:  # recorded on the run; the worker logs it
        log.exception("import run %s failed", run_id)
        _fail(run_id, type(exc).__name__)
        raise



def _fail(run_id: int, message: str) -> None:
    db.session.rollback()
    run = db.session.get(ImportRun, run_id)
    run.state, run.error = ImportState.failed.value, message[:2000]
    db.session.commit()


def work(burst: bool = False) -> None:
    """Work the queue in this process (``flask import-worker``)."""
    from rq import SimpleWorker

    SimpleWorker([QUEUE], connection=_redis()).work(burst=burst)
