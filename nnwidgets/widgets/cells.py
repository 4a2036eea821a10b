"""Dashboards by the notebook cell that made them.

Re-running a cell replaces its output, but the widgets of the earlier run live on in
the kernel, and in the page's widget manager too (so a playing dashboard's page still
acknowledges its refreshes). The front ends send each execution's cell id
(JupyterLab, Notebook 7), so a new dashboard stops the ones its cell's earlier run
made.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

_BY_CELL: dict[str, tuple[str, list[weakref.ref]]] = {}


def current_execution() -> tuple[str, str] | None:
    """``(cell id, message id)`` of the cell running now, when a front end sent them."""
    try:
        from IPython import get_ipython

        parent = get_ipython().kernel.get_parent()
    except (ImportError, AttributeError, TypeError):  # no kernel: a plain Python process
        return None
    cell = (parent.get("metadata") or {}).get("cellId")
    msg = (parent.get("header") or {}).get("msg_id")
    if not cell or not msg:
        return None
    return str(cell), str(msg)


def replace_in_cell(owner: object, stop: Callable[[object], None]) -> None:
    """Register ``owner`` with the cell running now, and ``stop`` every owner that an
    earlier run of the same cell registered."""
    execution = current_execution()
    if execution is None:
        return
    cell, msg = execution
    earlier_msg, refs = _BY_CELL.get(cell, (None, []))
    if earlier_msg != msg:
        for ref in refs:
            old = ref()
            if old is not None:
                stop(old)
        refs = []
    refs.append(weakref.ref(owner))
    _BY_CELL[cell] = (msg, refs)
