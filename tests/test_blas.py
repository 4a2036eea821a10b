"""The BLAS thread limit the trainer steps under."""

import numpy as np
import pytest

from nnwidgets.core.blas import available, limited

threadpoolctl = pytest.importorskip("threadpoolctl")


def blas_threads() -> list[int]:
    """The thread counts of every BLAS loaded in this process."""
    return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]


def numpy_blas_threads() -> list[int]:
    """The thread count of numpy's own BLAS, the one training uses. Others may be loaded
    too (scipy's, once scikit-learn is imported for the digits), which the limit, looked
    up at its first use, leaves alone."""
    counts = [
        i["num_threads"]
        for i in threadpoolctl.threadpool_info()
        if i["user_api"] == "blas" and "numpy" in i["filepath"]
    ]
    assert counts, "numpy's BLAS not found"
    return counts


@pytest.mark.skipif(not available(), reason="threadpoolctl cannot drive this BLAS")
def test_limit_applies_inside_and_is_undone_after():
    before, every = numpy_blas_threads(), blas_threads()
    with limited(1):
        assert numpy_blas_threads() == [1]
        np.ones((50, 50)) @ np.ones((50, 50))
    assert numpy_blas_threads() == before and blas_threads() == every
    with limited(10**6):  # a limit above the current count leaves it alone
        assert numpy_blas_threads() == before


def test_none_leaves_blas_alone():
    before = blas_threads()
    with limited(None):
        assert blas_threads() == before
