"""The BLAS thread limit the trainer steps under."""

import numpy as np
import pytest

from nnwidgets.core.blas import available, limited

threadpoolctl = pytest.importorskip("threadpoolctl")


def blas_threads() -> list[int]:
    return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]


@pytest.mark.skipif(not available(), reason="threadpoolctl cannot drive this BLAS")
def test_limit_applies_inside_and_is_undone_after():
    before = blas_threads()
    with limited(1):
        assert blas_threads() == [1] * len(before)
        np.ones((50, 50)) @ np.ones((50, 50))
    assert blas_threads() == before
    with limited(10**6):  # a limit above the current count leaves it alone
        assert blas_threads() == before


def test_none_leaves_blas_alone():
    before = blas_threads()
    with limited(None):
        assert blas_threads() == before
