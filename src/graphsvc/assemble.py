"""Settings → a ready ``GraphService``: load (or attach to a remote store), validate, open.

The one place that turns settings into the core's plain values, used alike by ``create_app``,
``graphsvc query``, ``graphsvc load`` and ``--reload``. It imports no web framework, so the
command line can build a service without FastAPI.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

from graphsvc.config import Execution, Settings, project_root, resolve_execution
from graphsvc.errors import GraphsvcError, LoadError
from graphsvc.load import check_source, discover
from graphsvc.progress import Progress
from graphsvc.service import GraphService, ServiceOptions, attach_service, build_service
from graphsvc.store.remote.config import RemoteConfig
from graphsvc.store.remote.store import RemoteStore
from graphsvc.validation.cache import Outcome, ValidationCache, default_cache_dir
from graphsvc.validation.serving import (
    NO_SHAPES,
    Fingerprint,
    ServeCheck,
    any_shacl,
    fingerprint,
)
from graphsvc.validation.validator import ValidationReport, require_conforming
from graphsvc.validation.worker import Result, Skipped, ValidationJob, start_early

log = logging.getLogger(__name__)


def service_options(settings: Settings, execution: Execution) -> ServiceOptions:
    """The core's view of the settings."""
    return ServiceOptions(
        base_iri=settings.base_iri,
        union_default_graph=settings.union_default_graph,
        query_timeout=settings.query_timeout,
        max_rows=settings.max_rows,
        query_workers=settings.query_workers,
        max_queued=settings.max_queued,
        allowed_service_iris=tuple(settings.allowed_service_iris),
        result_cache_bytes=settings.result_cache_bytes,
        executor=execution.executor,
        entailment=settings.entailment,
        memory_budget=settings.memory_budget,
    )


def remote_config(settings: Settings) -> RemoteConfig:
    """The remote engine's plain configuration (the core never reads settings)."""
    if not settings.remote_endpoint:
        raise ValueError("give the remote store's SPARQL endpoint URL")
    return RemoteConfig(
        endpoint=settings.remote_endpoint,
        update_endpoint=settings.remote_update_endpoint,
        graph_store=settings.remote_graph_store,
        user=settings.remote_user,
        password=(
            settings.remote_password.get_secret_value() if settings.remote_password else None
        ),
        auth=settings.remote_auth,
        release=settings.resolved_release(),
        query_params=dict(settings.remote_query_params),
        # A query is stopped at its time limit by the executor; the HTTP wait must outlast it,
        # and graphsvc's own reads (the dumps) may wait minutes for a large store's first byte.
        timeout=max(300.0, settings.query_timeout + 30),
    )


def service_from_settings(
    settings: Settings, *, validate: bool = False, supervisor: bool = False
) -> GraphService:
    """Load the data the settings name into a new service (not started).

    With ``validate``, the files are validated first and data that does not conform is refused
    (``ShapesViolated``, carrying the report): see docs/validate.md. ``supervisor``: whether a
    supervisor runs this server process (see ``config.resolve_execution``).
    """
    options = service_options(settings, resolve_execution(settings, supervisor=supervisor))
    if settings.engine == "remote":
        return _remote_service(settings, options)
    root = project_root()
    build = functools.partial(
        build_service,
        settings.resolved_paths(),
        engine=settings.engine,
        options=options,
        project_root=root if settings.serves_project_data else None,
        store_path=settings.store_path,
        queries_dir=settings.resolved_queries_dir(),
    )
    if validate:
        return build_validated(
            build,
            settings.paths,
            project_root=root,
            base_iri=settings.base_iri,
            cache_dir=settings.cache_dir or default_cache_dir(),
            concurrent=settings.store_path is None,
        )
    return build()


def _remote_service(settings: Settings, options: ServiceOptions) -> GraphService:
    """Serve what the remote store holds (see docs/remote.md); nothing is uploaded."""
    if settings.paths:
        raise ValueError(
            "the remote engine serves what its store holds; publish files to it first with "
            "`graphsvc load --to URL PATH ...`"
        )
    store = RemoteStore(remote_config(settings))
    try:
        release = store.release
        return attach_service(
            store,
            options=options,
            queries_dir=settings.resolved_queries_dir(),
            version=release.version if release is not None else None,
        )
    finally:
        store.close()  # each server process (or forked worker) opens its own connections


class _Versioned(Protocol):
    version: str


Built = TypeVar("Built", bound=_Versioned)
_UNVALIDATED = "serving %d files without SHACL validation: %s"
EARLY_VALIDATION = "_GRAPHSVC_VALIDATING"
"""Set by ``start_validation``: the fingerprint being validated for this start."""


def build_validated(
    build: Callable[[], Built],
    paths: Sequence[Path],
    *,
    project_root: Path,
    base_iri: str,
    cache_dir: Path | None = None,
    concurrent: bool = True,
    attempts: int = 3,
) -> Built:
    """Validate the files to serve and build from them; refuse data that does not conform.

    What is validated, against which shapes, is ``validation.serving``'s rule: the project
    against its shapes; given files against their own, if they have any, else not at all. A
    conforming result is kept in ``cache_dir`` (None: no cache) under the fingerprint of the
    bytes validated, and reused while they do not change; if a process is validating those bytes
    already (``start_validation``), its result is awaited. Otherwise the validation runs in a
    process of its own (``validation.worker``), ``concurrent``ly with ``build`` unless the build
    writes somewhere lasting (a store on disk must never be filled with data then refused).

    The store loader reads the files again (pyoxigraph's bulk loader from the path, which is
    what makes big and on-disk loads fast). What matters is that the data served is the data
    validated, so the loaded files' digest must equal the validated one, or the files changed
    in between (an editor saving during ``--reload``) and it all starts again.
    """
    check = ServeCheck(tuple(str(p) for p in paths), str(project_root), base_iri)
    cache = ValidationCache(cache_dir) if cache_dir is not None else None
    for _ in range(attempts):
        sources = check.served()
        if not any_shacl(check, sources):
            log.info(_UNVALIDATED, len(sources), NO_SHAPES)
            return build()
        found = fingerprint(check, sources)
        built: Built | None = None
        outcome = cache.get(found.key) if cache is not None else None
        # Validated for this start, by the process ``start_validation`` started: not reused.
        how = "early" if os.environ.get(EARLY_VALIDATION) == found.key else "reused"
        if outcome is None and cache is not None and cache.busy(found.key):
            try:
                built = build() if concurrent else None
            except GraphsvcError:
                # As below: the validation's account of data that does not parse, if it has one.
                _validate_while(None, check, found)
                raise
            with Progress(functools.partial(_waiting, found)):
                cache.wait(found.key)
            outcome, how = cache.get(found.key), "early"
        if outcome is None:
            result, built = _validate_while(
                build if concurrent and built is None else None, check, found
            )
            if isinstance(result, Skipped):
                log.info(_UNVALIDATED, found.files, result.reason)
                return built if built is not None else build()
            outcome, how = result, "here"
            if cache is not None and outcome.digest == found.digest:
                cache.put(found.key, outcome)
        _log_outcome(outcome, how)
        built = built if built is not None else build()
        if built.version == outcome.digest:
            return built
        log.warning("the files changed while they were loaded: validating them again")
        del built
    raise LoadError(f"the files kept changing while they were loaded ({attempts} attempts)")


def _waiting(found: Fingerprint, seconds: float) -> str:
    return f"validating {found.files} files… {seconds:.0f} s"


def start_validation(settings: Settings) -> None:
    """Start the validation ``service_from_settings`` will need, now, in a process of its own
    that stores its result in the cache (``validation.worker.start_early``): ``graphsvc serve``
    calls it before it becomes the supervisor, so validation overlaps the whole start. Nothing
    is started when there is nothing to validate, the result is cached already, or the cache
    cannot be written (the server process then validates as usual)."""
    if not settings.validate_on_load or settings.engine == "remote":
        return
    check = ServeCheck(
        tuple(str(p) for p in settings.paths), str(project_root()), settings.base_iri
    )
    cache_dir = settings.cache_dir or default_cache_dir()
    try:
        sources = check.served()
        if not any_shacl(check, sources):
            return
        found = fingerprint(check, sources)
    except (OSError, LoadError):
        return  # the server process reports it
    if ValidationCache(cache_dir).get(found.key) is not None:
        return
    if start_early(check, cache_dir, found):
        os.environ[EARLY_VALIDATION] = found.key  # inherited by the server processes


def _validate_while(
    build: Callable[[], Built] | None, check: ServeCheck, found: Fingerprint
) -> tuple[Outcome | Skipped, Built | None]:
    """Validate in a child process while ``build`` (if given) runs here; raise on refusal."""
    job = ValidationJob(check, found.files)
    built: Built | None = None
    try:
        with Progress(job.describe):
            try:
                built = build() if build is not None else None
            except GraphsvcError:
                # Data that does not parse: the validation's report says where, as it always
                # has (exit code 2); the loader's error if the validation has nothing to say.
                _refuse(job.wait())
                raise
            result = job.wait()
    finally:
        job.stop()
    _refuse(result)
    assert isinstance(result, (Outcome, Skipped))
    return result, built


def _refuse(result: Result) -> None:
    if isinstance(result, GraphsvcError):
        raise result
    if isinstance(result, ValidationReport):
        require_conforming(result)
        raise AssertionError("a report that conforms comes as an Outcome")


def _log_outcome(outcome: Outcome, how: str) -> None:
    """``how``: validated ``here``, ``early`` (by the process the command started), or
    ``reused`` (cached by an earlier start)."""
    for note in outcome.notes:
        log.warning("validation: %s", note)
    if outcome.findings:  # below the failing severity: worth reading, not worth refusing
        log.warning("validation found:\n%s", outcome.findings)
    if how == "reused":
        log.info(
            "validation reused: %d files unchanged since they were validated (%d triples, "
            "%.2f s then): conforms",
            outcome.files,
            outcome.triples,
            outcome.seconds,
        )
    else:
        log.info(
            "validated %d files in %.2f s%s: conforms",
            outcome.files,
            outcome.seconds,
            " (in the process started with the command)" if how == "early" else "",
        )


def check_inputs(settings: Settings, *, supervisor: bool) -> Execution:
    """What can be checked before a port is bound or a process started: the settings'
    combination, and that every file to serve exists, has a known format and passes the
    pre-parse safety checks (``load.check_source``). Parsing and validation come with the load;
    once the inputs pass, the validation is started (``start_validation``) so that it runs
    while the server starts. Raises ``ValueError`` or ``LoadError``; returns how queries will
    run."""
    execution = resolve_execution(settings, supervisor=supervisor)
    if settings.engine != "remote":
        root = project_root()
        for source in discover(
            settings.resolved_paths(),
            base_iri=settings.base_iri,
            project_root=root if settings.serves_project_data else None,
        ):
            check_source(source)
        start_validation(settings)
    return execution
