"""``graphsvc serve --reload``: watch the served files and swap in each good new version.

Polling (once a second, by modification time and size) needs no extra dependency and works on
every file system. When the files change and then stay still for one more poll, a new
``GraphService`` is built in a thread, from the files as they are now, and validated exactly as at
start-up. If it loads and conforms, its workers start, it replaces ``app.state.service`` (every
request reads the service from there), and the old one is stopped once its running queries have
finished or had their full time limit. If it does not, the last good graph stays in service and
the validation report (or the syntax error) goes to the log.

Named queries added by a reload are served at ``/queries/{name}``; their own OpenAPI operations
are only registered at start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path

from fastapi import FastAPI

from graphsvc.assemble import service_from_settings
from graphsvc.config import Settings, project_root
from graphsvc.errors import GraphsvcError
from graphsvc.load import rdf_format_for
from graphsvc.service import GraphService
from graphsvc.validation.reports import render
from graphsvc.validation.validator import ShapesViolated

log = logging.getLogger(__name__)
POLL_SECONDS = 1.0
Snapshot = dict[str, tuple[int, int]]


def watched_paths(settings: Settings) -> list[Path]:
    """What a reload depends on: the served files, the shapes and ontology, the named queries."""
    paths = list(settings.resolved_paths())
    if settings.validate_on_load:
        paths.append(project_root() / "ontology")
    queries_dir = settings.resolved_queries_dir()
    if queries_dir is not None:
        paths.append(queries_dir)
    return paths


def snapshot(paths: list[Path]) -> Snapshot:
    found: Snapshot = {}
    for given in paths:
        candidates = [given] if given.is_file() else []
        if given.is_dir():
            candidates = list(given.rglob("*"))
        for path in candidates:
            if path.suffix != ".rq" and rdf_format_for(path) is None:
                continue
            with contextlib.suppress(OSError):
                stat = path.stat()
                found[str(path.resolve())] = (stat.st_mtime_ns, stat.st_size)
    return found


class Watcher:
    def __init__(self, app: FastAPI, settings: Settings, interval: float = POLL_SECONDS) -> None:
        self.app = app
        self.settings = settings
        self.interval = interval
        self.paths = watched_paths(settings)
        self._task: asyncio.Task[None] | None = None
        self._retiring: dict[asyncio.Task[None], GraphService] = {}

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="graphsvc-reload")

    async def _run(self) -> None:
        last = await asyncio.to_thread(snapshot, self.paths)
        while True:
            await asyncio.sleep(self.interval)
            now = await asyncio.to_thread(snapshot, self.paths)
            if now == last:
                continue
            # Wait for the editor to finish writing: the files must stay still for one poll.
            await asyncio.sleep(self.interval)
            if await asyncio.to_thread(snapshot, self.paths) != now:
                continue
            last = now
            await self.reload()

    async def reload(self) -> bool:
        """Build, validate and swap in a new service; False (and a log entry) if refused."""
        current: GraphService = self.app.state.service
        try:
            new = await asyncio.to_thread(
                service_from_settings, self.settings, validate=self.settings.validate_on_load
            )
        except GraphsvcError as exc:
            log.error(
                "reload refused, still serving version %s: %s\n%s",
                current.version,
                exc.message,
                _report_text(exc),
            )
            return False
        except Exception:
            log.exception("reload failed, still serving version %s", current.version)
            return False
        new.start()  # forks on the event loop's thread, once the build thread is done
        self.app.state.service = new
        log.info(
            "reloaded: serving version %s (%d triples) instead of %s",
            new.version,
            new.triple_count,
            current.version,
        )
        task = asyncio.create_task(self._retire(current))
        self._retiring[task] = current
        task.add_done_callback(lambda done: self._retiring.pop(done, None))
        return True

    async def _retire(self, old: GraphService) -> None:
        """Stop a replaced service once no query runs on it (or its time limit has passed)."""
        deadline = time.monotonic() + old.options.query_timeout + 1
        while time.monotonic() < deadline and old.busy:
            await asyncio.sleep(0.1)
        old.stop()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for task, service in list(self._retiring.items()):
            task.cancel()
            service.stop()
        self._retiring.clear()


def _report_text(exc: GraphsvcError) -> str:
    if isinstance(exc, ShapesViolated):
        return render(exc.report, "text")
    return ""


def start(app: FastAPI, settings: Settings) -> Watcher:
    watcher = Watcher(app, settings)
    watcher.start()
    log.info("watching %d paths for changes (--reload)", len(watcher.paths))
    return watcher
