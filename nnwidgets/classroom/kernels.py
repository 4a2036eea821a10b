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
its kernel is idle. A kernel that no page has connected to yet (its page is still
loading, in a browser that may be busy) is kept ``max(cull_idle_timeout, connect_grace)``
seconds at least, counted from its start, or for a preheated kernel from when it left the
pool for a page (Voila never culls a kernel still in the pool).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

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
    connect_grace = Float(
        60.0,
        config=True,
        help="Seconds a kernel that no page has connected to yet is kept at least (or "
        "cull_idle_timeout, if longer), from its start or from when it left the pool for "
        "a page, so that a page slow to load still finds its kernel.",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._reserved: set[str] = set()  # kernels being started, not yet in the mapping
        self._connected_once: set[str] = set()
        # when each kernel no page has connected to yet was started, or left the pool
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
        preheated = env.get(PREHEAT_ENV) == "True"
        if preheated:
            await self._wait_for_room()
        elif not self.has_room():
            self.log.warning("Class full: %s; a page was refused", self._full_message())
            raise ClassFull(self._full_message())
        kernel_id = str(uuid.uuid4())
        self._reserved.add(kernel_id)
        try:
            started = await super().start_kernel(kernel_id=kernel_id, **kwargs)
        finally:
            self._reserved.discard(kernel_id)
        if not preheated:  # a page's own kernel: its page may connect from now on
            self._unclaimed_since.setdefault(started, utcnow())
        return started

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
        self._unclaimed_since.pop(kernel_id, None)
        super().notify_connect(kernel_id)

    def grace(self) -> timedelta:
        """How long a kernel no page has connected to yet is kept at least."""
        return timedelta(seconds=max(self.cull_idle_timeout, self.connect_grace))

    def _pool_kernel_ids(self) -> set[str]:
        """The kernels waiting in Voila's pools (started, not yet taken by a page)."""
        found = set()
        for pool in (getattr(self, "_pools", None) or {}).values():
            for task in pool:
                if task.done() and not task.cancelled() and task.exception() is None:
                    found.add(task.result().get("kernel_id"))
        return found

    async def cull_kernels(self):
        """Look for kernels to cull. A kernel seen in a pool has its wait for a page
        counted from when it is first seen out of it (taken by a page)."""
        for kernel_id in self._pool_kernel_ids():
            self._unclaimed_since.pop(kernel_id, None)
        return await super().cull_kernels()

    async def cull_kernel_if_idle(self, kernel_id: str):
        """Cull as jupyter_server does (Voila's subclass skips pool kernels); but a
        kernel that no page has connected to yet only once :meth:`grace` has passed
        since it started or left the pool, whatever its idle time: its page may still
        be loading."""
        kernel = self._kernels.get(kernel_id)
        waiting = kernel is not None and kernel_id not in self._connected_once
        if waiting and getattr(kernel, "execution_state", None) != "dead":
            since = self._unclaimed_since.setdefault(kernel_id, utcnow())
            if utcnow() - since < self.grace():
                return None
        return await super().cull_kernel_if_idle(kernel_id)
