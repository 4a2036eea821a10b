"""The kernel manager of a class server: a cap on kernels, and culling of the ones whose
page has gone.

Voila (0.5) builds its kernel manager as a subclass of ``multi_kernel_manager_class``: with
``preheat_kernel`` on, ``VoilaKernelManager(ClassroomKernelManager)``, which keeps a pool
of kernels that have already run the notebook, hands one to each new page and refills
the pool. So every kernel Voila starts, for a page or for the pool, passes through
:meth:`ClassroomKernelManager.start_kernel`, which is where the cap lives:

- a page's own kernel beyond the cap is refused with :class:`ClassFull`, which the page
  handler (``nnwidgets.classroom.pages``) turns into the "class is full" page;
- a pool refill beyond the cap waits for a place instead (a pool never holds a failed
  start); if a page takes it from the pool while it still waits, it gives up with
  :class:`ClassFull` and that page is told the class is full;
- when a kernel goes (culled, shut down by its page, or dead), the pool is topped up.

Culling is jupyter_server's: ``cull_idle_timeout`` with ``cull_connected=False``, so only
a kernel with no page connected is culled, once it has been idle that long. A playing
dashboard pauses by itself ``page_timeout`` (10 s) after its page went silent, after which
its kernel is idle.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float, Integer

PREHEAT_ENV = "VOILA_PREHEAT"  # Voila sets it to "True" in the env of a pool kernel


class ClassFull(RuntimeError):
    """Every place of the class is taken: no kernel can start now."""


class ClassroomKernelManager(AsyncMappingKernelManager):
    """At most ``max_kernels`` kernels (started, starting, or kept ready in Voila's pool)."""

    max_kernels = Integer(40, config=True, help="The most kernels running at once.")
    wait_poll = Float(
        0.25, config=True, help="Seconds between two looks for a free place by a pool refill."
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._reserved: set[str] = set()  # kernels being started, not yet in the mapping
        self._connected_once: set[str] = set()
        self._unclaimed_since: dict[str, datetime] = {}
        self._stopping = False
        self._waiting: set[asyncio.Task] = set()  # pool refills waiting for a place

    # ------------------------------------------------------------------ places
    def places_taken(self) -> int:
        """Kernels running or being started (pool kernels included)."""
        return len(set(self._kernels) | self._reserved)

    def has_room(self) -> bool:
        """Whether one more kernel may start now."""
        return not self._stopping and self.places_taken() < self.max_kernels

    def _in_a_pool(self, task: asyncio.Task | None) -> bool:
        pools = getattr(self, "_pools", None)
        if pools is None:  # a Voila without pools (or another layout): never give up
            return True
        return any(task in pool for pool in pools.values())

    async def _wait_for_room(self) -> None:
        task = asyncio.current_task()
        try:
            while not self.has_room():
                if self._stopping or not self._in_a_pool(task):
                    raise ClassFull(self._full_message())
                self._waiting.add(task)
                await asyncio.sleep(self.wait_poll)
        finally:
            self._waiting.discard(task)

    async def wait_for_first_pool_kernel(self, notebook: str, timeout: float = 120.0) -> None:
        """Wait while the first pool kernel of ``notebook`` is being started.

        Until it is, Voila would start a kernel of the page's own, which takes a second
        place (refused when the class has one place left), so the page waits for the pool.
        """
        pools = getattr(self, "_pools", None)
        data = getattr(self, "notebook_data", None)
        if not pools or data is None:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while notebook not in data and loop.time() < deadline:
            pool = pools.get(notebook)
            if not pool or pool[0].done() or pool[0] in self._waiting:
                return
            await asyncio.sleep(0.1)

    def _full_message(self) -> str:
        return f"all {self.max_kernels} places are taken"

    async def start_kernel(self, *, kernel_id: str | None = None, **kwargs) -> str:
        """Start a kernel if there is a place (a pool refill waits for one), else raise
        :class:`ClassFull`."""
        if kernel_id is not None and kernel_id in self:
            return await super().start_kernel(kernel_id=kernel_id, **kwargs)
        env = kwargs.get("env") or {}
        if env.get(PREHEAT_ENV) == "True":
            await self._wait_for_room()
        elif not self.has_room():
            self.log.warning("Class full: %s; a page was refused", self._full_message())
            raise ClassFull(self._full_message())
        kernel_id = str(uuid.uuid4())
        self._reserved.add(kernel_id)
        try:
            return await super().start_kernel(kernel_id=kernel_id, **kwargs)
        finally:
            self._reserved.discard(kernel_id)

    # ------------------------------------------------------------------ leaving
    def remove_kernel(self, kernel_id: str):
        """Forget a kernel; its place goes to the pool (if one is short) or the next page."""
        km = super().remove_kernel(kernel_id)
        self._connected_once.discard(kernel_id)
        self._unclaimed_since.pop(kernel_id, None)
        if not self._stopping:
            try:
                asyncio.get_running_loop().call_soon(self._top_up_pools)
            except RuntimeError:  # no loop running: nothing to refill
                pass
        return km

    def _top_up_pools(self) -> None:
        fill = getattr(self, "fill_if_needed", None)
        pools = getattr(self, "_pools", None)
        if self._stopping or fill is None or not pools:
            return
        for name in list(pools):
            fill(delay=0, notebook_name=name)

    async def shutdown_all(self, *args, **kwargs) -> None:
        """Shut every kernel down, and start no other (the pool is not refilled)."""
        self._stopping = True
        await super().shutdown_all(*args, **kwargs)

    # ------------------------------------------------------------------ culling
    def notify_connect(self, kernel_id: str) -> None:
        """A page connected to the kernel."""
        self._connected_once.add(kernel_id)
        super().notify_connect(kernel_id)

    async def cull_kernel_if_idle(self, kernel_id: str):
        """Cull as jupyter_server does, but count a kernel that no page has connected to
        yet (one just taken from the pool, idle there for long) idle only from the first
        time it is looked at out of the pool (Voila's subclass skips pool kernels)."""
        if kernel_id not in self._connected_once and kernel_id in self._kernels:
            since = self._unclaimed_since.setdefault(kernel_id, utcnow())
            kernel = self._kernels[kernel_id]
            last = getattr(kernel, "last_activity", None)
            if last is not None and last < since:
                kernel.last_activity = since
        return await super().cull_kernel_if_idle(kernel_id)
