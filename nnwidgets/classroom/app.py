"""The class server: Voila with classroom defaults (``python -m nnwidgets.classroom.app``).

``nnwidgets serve`` builds its command line (``nnwidgets.classroom.options``); it takes
Voila's own options too. On top of Voila it sets:

- the kernel manager: :class:`~nnwidgets.classroom.kernels.ClassroomKernelManager`, at most
  ``max_kernels`` kernels, culled ``cull_after`` seconds after their page has gone;
- ``preheat`` kernels per notebook started ahead (Voila's ``preheat_kernel`` pool), so a
  page appears at once; they count toward ``max_kernels``;
- ``NNWIDGETS_MAX_SPEED`` for the kernels, which caps every dashboard's pace;
- pages load no JupyterLab extension a dashboard never uses (``PAGE_NEEDS_NOT``);
- Voila's executor waits ``IOPUB_TIMEOUT`` s (not 4) for a cell's outputs, so that a
  busy server still puts the dashboard in the page;
- pages: the "class is full" page (503), an index of the lessons when several notebooks
  are served (and no listing of the server's folder);
- the page's shutdown beacon accepted (Voila's page sends no ``_xsrf``), so a closed tab
  frees its place at once, and websocket pings, so a vanished page is noticed.
"""

from __future__ import annotations

import os

from traitlets import Float, Integer, List, Unicode
from voila.app import Voila
from voila.tornado.contentshandler import VoilaContentsHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler

from nnwidgets.classroom.kernels import ClassroomKernelManager
from nnwidgets.classroom.options import (
    DEFAULT_CULL_AFTER,
    DEFAULT_MAX_KERNELS,
    DEFAULT_MAX_SPEED,
    IOPUB_TIMEOUT,
    PAGE_NEEDS_NOT,
    PLAYGROUND_PREHEAT,
    VOILA_TEMPLATE,
)
from nnwidgets.classroom.pages import ClassroomVoilaHandler, LessonIndexHandler
from nnwidgets.widgets.pace import MAX_SPEED_ENV

# Accept the page's shutdown beacon (Voila's page sends no _xsrf), so that a tab closed
# normally frees its place at once; and ping every page, so that the connection of one
# that vanished (a laptop put to sleep) is closed within a minute and its kernel culled.
TORNADO_DEFAULTS = {
    "disable_check_xsrf": True,
    "websocket_ping_interval": 30,
    "websocket_ping_timeout": 30,
}

APP_IP_ENV = "VOILA_APP_IP"  # where voila.utils.get_query_string reaches the server


def request_ip(ip: str) -> str:
    """The address at which a kernel reaches a server listening on ``ip`` (as the host
    of a ``ws://`` URL: an IPv6 address in brackets)."""
    if ip in ("", "0.0.0.0"):
        return "127.0.0.1"
    if ip == "::":
        return "[::1]"
    if ":" in ip and not ip.startswith("["):
        return f"[{ip}]"
    return ip


def cull_interval(cull_after: int) -> int:
    """Seconds between two looks for idle kernels: a fifth of the wait, 1 to 60."""
    return max(1, min(60, cull_after // 5))


def _default(section, key: str, value) -> None:
    if key not in section:  # what the user configured wins
        section[key] = value


class ClassroomVoila(Voila):
    """Voila with a cap on kernels, culling, preheated kernels and a pace cap."""

    max_kernels = Integer(DEFAULT_MAX_KERNELS, config=True, help="The most kernels at once.")
    cull_after = Integer(
        DEFAULT_CULL_AFTER,
        config=True,
        help="Seconds after which a kernel with no page connected and no activity is culled.",
    )
    max_speed = Float(
        DEFAULT_MAX_SPEED, config=True, help="The cap on every dashboard's pace, steps/s."
    )
    preheat = Integer(
        PLAYGROUND_PREHEAT, config=True, help="Kernels started ahead for each served notebook."
    )
    notebooks = List(
        Unicode(),
        config=True,
        help="The notebooks served (paths under root_dir) when a folder is served.",
    )

    def setup_template_dirs(self):
        """Voila's template lookup, with ``VOILA_TEMPLATE`` unless one was configured."""
        if "template" not in self.config.VoilaConfiguration:
            self.voila_configuration.template = VOILA_TEMPLATE
        super().setup_template_dirs()

    def initialize(self, argv=None):
        """Voila's initialisation, then the classroom defaults."""
        super().initialize(argv)
        os.environ[MAX_SPEED_ENV] = f"{self.max_speed:g}"  # kernels inherit the environment
        # a preheated kernel asks this server for its page's request (the URL preset)
        os.environ.setdefault(APP_IP_ENV, request_ip(self.ip))
        vc = self.voila_configuration
        vc.multi_kernel_manager_class = ClassroomKernelManager
        vc.preheat_kernel = self.preheat > 0
        vc.default_pool_size = max(self.preheat, 0)
        vc.show_tracebacks = False
        if not vc.extension_denylist and not vc.extension_allowlist:
            # Lab's own extensions mean nothing in a student's page (PAGE_NEEDS_NOT)
            vc.extension_denylist = list(PAGE_NEEDS_NOT)
        # the config every notebook's executor is built with (pages and preheated kernels)
        _default(self.config.VoilaExecutor, "iopub_timeout", IOPUB_TIMEOUT)
        km = self.config.ClassroomKernelManager
        _default(km, "max_kernels", self.max_kernels)
        _default(km, "cull_idle_timeout", self.cull_after)
        _default(km, "cull_interval", cull_interval(self.cull_after))
        _default(km, "cull_connected", False)
        if self.preheat > 0 and not self.notebook_path:
            # Voila fills a pool for every notebook under the root: only the lessons get one.
            pools = {"default": {"pool_size": 0}}
            pools.update({nb: {"pool_size": self.preheat} for nb in self.notebooks})
            _default(self.config.VoilaKernelManager, "kernel_pools_config", pools)
        self.tornado_settings = {**TORNADO_DEFAULTS, **self.tornado_settings}
        self.log.info(
            "nnwidgets class server: at most %d kernels (%d started ahead per notebook), "
            "culled %d s after their page has gone; pace capped at %g steps/s",
            self.max_kernels,
            self.preheat,
            self.cull_after,
            self.max_speed,
        )

    def init_handlers(self) -> list:
        """Voila's handlers, with the classroom pages in place of the notebook and tree ones."""
        served = list(self.notebooks) or None
        handlers = []
        for spec in super().init_handlers():
            pattern, handler = spec[0], spec[1]
            kwargs = spec[2] if len(spec) > 2 else {}
            if handler is TornadoVoilaHandler:
                spec = (pattern, ClassroomVoilaHandler, {**kwargs, "served": served})
            elif handler is TornadoVoilaTreeHandler:
                spec = (
                    pattern,
                    LessonIndexHandler,
                    {"notebooks": list(self.notebooks), "base_url": self.base_url},
                )
            elif handler is VoilaContentsHandler:
                continue  # the server's folder is not listed
            handlers.append(spec)
        return handlers


main = ClassroomVoila.launch_instance

if __name__ == "__main__":
    main()
