"""Arrays kept from one step to the next, in small stores that cannot grow without bound."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


def kept(store: dict, key: Hashable, make: Callable[[], T], limit: int) -> T:
    """``store[key]``, made by ``make()`` the first time it is asked for.

    A store already holding more than ``limit`` entries is emptied first: the keys
    (batch sizes, array shapes) change rarely, so memory stays bounded and the usual
    step finds what it needs.
    """
    value = store.get(key)
    if value is None:
        if len(store) > limit:
            store.clear()
        value = store[key] = make()
    return value
