"""Run training with a fixed number of BLAS threads (one by default).

The matrices of teaching networks are small: a second BLAS thread buys little,
and when the browser or another process competes for the CPU, OpenBLAS's
spinning threads can make each product ten times slower. threadpoolctl (an
optional dependency; scikit-learn brings it) sets the limit; without it, BLAS
is left as it is.
"""

from __future__ import annotations

import contextlib

_controller = None
_looked = False


def _get_controller():
    global _controller, _looked
    if not _looked:
        _looked = True
        try:
            from threadpoolctl import ThreadpoolController

            _controller = ThreadpoolController()
        except Exception:  # not installed, or an unusual BLAS it cannot drive
            _controller = None
    return _controller


def limited(threads: int | None):
    """A context in which BLAS uses at most ``threads`` threads (None: unchanged)."""
    if threads is None:
        return contextlib.nullcontext()
    controller = _get_controller()
    if controller is None:
        return contextlib.nullcontext()
    return controller.limit(limits=threads, user_api="blas")


def available() -> bool:
    """True when the BLAS thread count can be controlled here."""
    return _get_controller() is not None
