"""Hand widget callbacks to the kernel's main thread and event loop.

JupyterLab 4 with ipykernel 7 may deliver widget messages on a thread of their
own (comms over subshells), while the play loop runs on the main thread's event
loop. Every callback is therefore passed to that loop, so that each change to
the trainer happens on one thread, between two steps.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable


class MainLoop:
    """The thread and (if running) the event loop that built the widgets."""

    def __init__(self) -> None:
        self.thread = threading.current_thread()
        try:
            self.loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            self.loop = None

    def wrap(self, fn: Callable) -> Callable:
        """``fn`` made safe to call from any thread: it runs on the main loop."""

        @functools.wraps(fn)
        def call(*args, **kwargs):
            loop = self.loop
            if (
                threading.current_thread() is self.thread
                or loop is None
                or loop.is_closed()
                or not loop.is_running()
            ):
                return fn(*args, **kwargs)
            loop.call_soon_threadsafe(functools.partial(fn, *args, **kwargs))
            return None

        return call
