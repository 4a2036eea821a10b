"""Catch what ipywidgets logs: outside IPython, exceptions in widget callbacks are logged
through traitlets' logger, not raised."""

from __future__ import annotations

import contextlib
import logging


class Collect(logging.Handler):
    """Keeps every warning or error logged to the loggers it is added to."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))


@contextlib.contextmanager
def widget_log(*names: str):
    """Collect warnings and errors of the named loggers (traitlets' by default)."""
    handler = Collect()
    loggers = [logging.getLogger(n) for n in names or ("traitlets",)]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
