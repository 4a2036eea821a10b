"""The browser console of every page a browser test opens, and what in it is a failure.

Every browser context made through the session's browser (``conftest.browser``, so the
``page`` fixture's and those tests make themselves) records its console messages and
uncaught page errors into the running test's ``ConsoleLog``; an autouse fixture fails
the test on ``ConsoleLog.problems()``:

- any console error or uncaught page error, except the third-party noise in ``NOISE``;
- any warning from bqplot, the widget managers or nnwidgets (``OURS``).

``NOISE`` lists each known message of someone else's by its exact text (or a tight
exact prefix, where the text goes on with a stack trace or a port), with where it
comes from. A message of ours is fixed, never listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Where a warning is ours: bqplot's scripts (in JupyterLab, Notebook 7 and Voila they
# are served from .../bqplot/static/...), the widget managers that render our models,
# anywidget's modules, and any text naming our package or its CSS classes.
OURS = ("/bqplot/", "bqplot", "jupyter-widgets", "anywidget", "nnwidgets", "nnw-")


@dataclass(frozen=True)
class Noise:
    """A known third-party message: ``kind`` (``error``, ``pageerror`` or
    ``warning``), its text (the whole text, or its start when ``prefix``), and when
    given, the start of the URL it was reported at."""

    kind: str
    text: str
    prefix: bool = False
    url: str | None = None
    where: str = ""

    def matches(self, message: ConsoleMessage) -> bool:
        """Whether ``message`` is this noise."""
        if message.kind != self.kind:
            return False
        if self.url is not None and not message.url.startswith(self.url):
            return False
        return message.text.startswith(self.text) if self.prefix else message.text == self.text


NOISE = (
    # Voila 0.5's page template links Font Awesome's CSS from a CDN; the tests run
    # offline (and a classroom behind a firewall sees the same two lines).
    Noise(
        "error",
        "Failed to load resource: net::ERR_NAME_NOT_RESOLVED",
        url="https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@",
        where="Voila: Font Awesome from the CDN, offline",
    ),
    # Voila 0.5 is built on JupyterLab 4.2's packages and loads every federated lab
    # extension installed, among them Notebook 7's own (@jupyter-notebook/lab-extension),
    # which needs a @jupyterlab/docregistry that Voila does not share. The text goes on
    # with the stack of Voila's loader.
    Noise(
        "error",
        "Error: The getter for the shared module is not a function. This may be caused by "
        'setting "shared.import: false" without the host providing the corresponding lib. '
        "#RUNTIME-012",
        prefix=True,
        where="Voila: Notebook 7's lab extension in Voila's module federation",
    ),
    # bqplot 0.13's Figure.get_svg (our PNG and SVG exports use it) tries every style
    # rule of the page as a selector; Voila's template has a print rule, @page { margin:
    # 0.5in }, whose selector is empty, and bqplot warns (then goes on). The text goes on
    # with the stack.
    Noise(
        "warning",
        "Invalid CSS selector '' SyntaxError: Failed to execute 'querySelectorAll' on "
        "'Element': The provided selector is empty.",
        prefix=True,
        where="Voila: its @page rule in bqplot's SVG export",
    ),
    # Notebook 7.6's own start-up (notebook_core, in a settings-registry listener):
    # thrown on every notebook page, with or without any widget on it.
    Noise(
        "pageerror",
        "Cannot read properties of undefined (reading 'schema')",
        where="Notebook 7: its application start-up",
    ),
)


@dataclass(frozen=True)
class ConsoleMessage:
    """One console message or uncaught error: its kind (``log``, ``warning``,
    ``error``, ``pageerror`` ...), text and the URL of the script or resource."""

    kind: str
    text: str
    url: str = ""

    def __str__(self) -> str:
        where = f" ({self.url})" if self.url else ""
        return f"[{self.kind}] {self.text}{where}"

    @property
    def ours(self) -> bool:
        """Whether it comes from bqplot, the widget managers or nnwidgets."""
        return any(mark in self.url or mark in self.text for mark in OURS)


def is_problem(message: ConsoleMessage, noise=NOISE) -> bool:
    """Whether ``message`` fails a browser test: an error or page error that is not
    known noise, or a warning of ours."""
    if message.kind in ("error", "pageerror"):
        return not any(n.matches(message) for n in noise)
    if message.kind == "warning":
        return message.ours and not any(n.matches(message) for n in noise)
    return False


@dataclass
class ConsoleLog:
    """The console messages of every browser context attached to it, in order."""

    messages: list[ConsoleMessage] = field(default_factory=list)

    def attach(self, context) -> None:
        """Record the console and the uncaught errors of every page of ``context``."""
        context.on("console", self._on_console)
        context.on("weberror", self._on_weberror)

    def _on_console(self, msg) -> None:
        url = (msg.location or {}).get("url", "")
        self.messages.append(ConsoleMessage(msg.type, msg.text, url))

    def _on_weberror(self, web_error) -> None:
        error = web_error.error
        self.messages.append(ConsoleMessage("pageerror", getattr(error, "message", str(error))))

    def mark(self) -> int:
        """A position in the log, for ``problems(since=...)``."""
        return len(self.messages)

    def problems(self, since: int = 0, until: int | None = None) -> list[ConsoleMessage]:
        """The messages between two marks that fail a test (``is_problem``)."""
        return [m for m in self.messages[since:until] if is_problem(m)]

    def take_problems(self, since: int = 0, match=None) -> list[ConsoleMessage]:
        """The problems since a mark (those for which ``match(message)`` is true, when
        given), taken out of the log: a test that provoked them on purpose has checked
        them, and they no longer fail it."""
        taken = [m for m in self.problems(since) if match is None or match(m)]
        self.messages[since:] = [m for m in self.messages[since:] if m not in taken]
        return taken

    def text(self) -> str:
        """Every message, one a line (with a multi-line text indented)."""
        return "\n".join(str(m).replace("\n", "\n    ") for m in self.messages)
