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


_blas_libs: list | None = None


def _libraries() -> list:
    """The BLAS libraries loaded now (numpy's among them), looked up once."""
    global _blas_libs
    if _blas_libs is None:
        controller = _get_controller()
        _blas_libs = (
            [] if controller is None else controller.select(user_api="blas").lib_controllers
        )
    return _blas_libs


@contextlib.contextmanager
def _limit(libraries: list, threads: int):
    # threadpoolctl's own `limit` re-inspects every library at each entry (about 6 µs);
    # a run of training steps enters this every few milliseconds while playing
    changed = []
    for lib in libraries:
        before = lib.get_num_threads()
        if before is not None and before > threads:
            lib.set_num_threads(threads)
            changed.append((lib, before))
    try:
        yield
    finally:
        for lib, before in changed:
            lib.set_num_threads(before)


def limited(threads: int | None):
    """A context in which BLAS uses at most ``threads`` threads (None: unchanged)."""
    if threads is None:
        return contextlib.nullcontext()
    libraries = _libraries()
    if not libraries:
        return contextlib.nullcontext()
    return _limit(libraries, threads)


def available() -> bool:
    """True when the BLAS thread count can be controlled here."""
    return _get_controller() is not None
