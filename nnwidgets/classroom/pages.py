"""The pages of a class server: a notebook rendered by Voila unless the class is full,
and the index of the lessons when several are served."""

from __future__ import annotations

import html
import urllib.parse

import tornado.web
from jupyter_server.utils import url_path_join
from voila.tornado.handler import TornadoVoilaHandler

from nnwidgets.classroom.kernels import ClassFull

RETRY_AFTER = 30  # seconds: what the full page suggests, and when it reloads by itself

# An empty icon: without one the browser asks for /favicon.ico, which Voila's server
# refuses (403), an error in the page's console.
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
{head}<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 40em; margin: 4em auto;
        padding: 0 1em; line-height: 1.5; color: #222; }}
h1 {{ font-size: 1.6em; }}
li {{ margin: 0.3em 0; }}
</style>
</head>
<body>
{body}
</body>
</html>
"""


def full_page(places: int) -> str:
    """The page a student gets when every place is taken."""
    body = (
        '<h1 class="nnw-class-full">The class is full</h1>\n'
        f"<p>All {places} places on this server are in use right now. Please try again "
        "shortly: a place frees up a few minutes after a student closes their page. "
        f"This page tries again by itself every {RETRY_AFTER} seconds.</p>"
    )
    head = f'<meta http-equiv="refresh" content="{RETRY_AFTER}">\n'
    return PAGE.format(head=head, title="The class is full", body=body)


def index_page(base_url: str, notebooks: list[str]) -> str:
    """The list of the lessons, each a link to its page."""

    def item(nb: str) -> str:
        href = url_path_join(base_url, "voila/render", urllib.parse.quote(nb))
        return (
            f'<li><a href="{html.escape(href)}">{html.escape(nb.removesuffix(".ipynb"))}</a></li>'
        )

    items = "\n".join(item(nb) for nb in notebooks)
    body = f'<h1>Lessons</h1>\n<ul class="nnw-lessons">\n{items}\n</ul>'
    return PAGE.format(head="", title="Lessons", body=body)


class ClassroomVoilaHandler(TornadoVoilaHandler):
    """Voila's notebook page; the "class is full" page (503) when no kernel may start,
    and 404 for a notebook that is not one of the served lessons."""

    def initialize(self, **kwargs):
        self.served = kwargs.pop("served", None)  # None: every notebook the handler gets
        super().initialize(**kwargs)

    def write_class_full(self) -> None:
        """Answer with the full page (nothing of the notebook's page was sent yet)."""
        self.clear()
        self.set_status(503)
        self.set_header("Retry-After", str(RETRY_AFTER))
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-cache, no-store, must-revalidate")
        self.finish(full_page(getattr(self.kernel_manager, "max_kernels", 0)))

    @tornado.web.authenticated
    async def get(self, path=None):
        """Render the notebook, or say that the class is full."""
        if self.served is not None and not self.notebook_path and path not in self.served:
            raise tornado.web.HTTPError(404)
        notebook = self.notebook_path or path
        wait = getattr(self.kernel_manager, "wait_for_first_pool_kernel", None)
        if wait is not None and notebook and not (self.notebook_path and path):
            await wait(notebook)
        try:
            async for snippet in self.get_generator(path=path):
                self.write(snippet)
                self.flush()
        except ClassFull:
            if self._headers_written:  # cannot happen: Voila starts the kernel first
                raise
            self.write_class_full()


class LessonIndexHandler(tornado.web.RequestHandler):
    """The page at ``/`` that lists the served lessons."""

    def initialize(self, notebooks: list[str], base_url: str) -> None:
        self.notebooks = notebooks
        self.base_url = base_url

    def get(self, path=None) -> None:
        """The index; any other folder of the server is not shown."""
        if path not in (None, "", "/"):
            raise tornado.web.HTTPError(404)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(index_page(self.base_url, self.notebooks))
