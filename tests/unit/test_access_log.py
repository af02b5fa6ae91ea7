"""The batched access log (server/access_log.py): every line arrives, in order, within moments,
and a warning is written at once."""

from __future__ import annotations

import io
import logging
import time

from graphsvc.server import access_log


def _logger(stream: io.StringIO) -> tuple[logging.Logger, access_log.BatchedHandler]:
    handler = access_log.BatchedHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger(f"test-access-{id(stream)}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return logger, handler


def test_lines_are_held_then_written_in_order_within_the_interval() -> None:
    stream = io.StringIO()
    logger, handler = _logger(stream)
    try:
        for i in range(5):
            logger.info("GET /sparql %d", i)
        assert stream.getvalue() == ""  # held, not written one by one
        deadline = time.monotonic() + access_log.INTERVAL * 4
        while stream.getvalue().count("\n") < 5:
            assert time.monotonic() < deadline, stream.getvalue()
            time.sleep(0.02)
        assert stream.getvalue().splitlines() == [f"INFO GET /sparql {i}" for i in range(5)]
    finally:
        handler.close()


def test_a_warning_and_a_full_batch_are_written_at_once() -> None:
    stream = io.StringIO()
    logger, handler = _logger(stream)
    try:
        logger.info("before")
        logger.warning("slow down")
        assert stream.getvalue().splitlines() == ["INFO before", "WARNING slow down"]
        for i in range(access_log.CAPACITY):
            logger.info("line %d", i)
        assert stream.getvalue().count("\n") == 2 + access_log.CAPACITY
    finally:
        handler.close()


def test_closing_writes_what_is_held() -> None:
    stream = io.StringIO()
    logger, handler = _logger(stream)
    logger.info("last")
    handler.close()
    assert stream.getvalue() == "INFO last\n"
