"""The ``nnwidgets`` command: ``nnwidgets lessons [DIR]``, ``nnwidgets demo`` and
``nnwidgets serve`` (a class server, see ``nnwidgets.classroom``).

Both work the same from a clone and from a wheel: the lessons ship inside the package
(``nnwidgets/lessons``) and are copied into a folder of the user's before anything opens
them, so a student never edits (or runs) the installed files.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shlex
import signal
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from nnwidgets.classroom import options as serve_options
from nnwidgets.classroom.options import PLAYGROUND_APP, class_page_flags
from nnwidgets.lessons import DEFAULT_FOLDER, QUICKSTART, CopyResult, copy_lessons

DESCRIPTION = """\
nnwidgets: a stepwise numpy neural-network trainer as a live Jupyter widget.

commands:
  nnwidgets lessons [DIR]   copy the lesson notebooks into DIR (default ./nnwidgets-lessons)
  nnwidgets demo            copy the lessons there too and open 01_quickstart in JupyterLab
  nnwidgets demo --voila    serve the playground as an app with Voila
  nnwidgets serve [NOTEBOOK ...]
                            serve a class: the playground (or those notebooks) with
                            Voila, a cap on kernels, culling and a pace cap

Existing files are never overwritten. The demo needs JupyterLab and Voila:
  pip install "nnwidgets[notebook]"
"""

# Signals that stop the demo. Each is passed on to the server as SIGTERM: with no
# terminal on its standard input, SIGTERM is the signal on which both JupyterLab and
# Voila shut their kernels down and exit cleanly. A second signal kills the server.
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
INSTALL_HINT = "pip install 'nnwidgets[notebook]'"


class UsageError(Exception):
    """A problem the user can fix; reported in one line, without a traceback."""


def _installation_roots() -> list[Path]:
    paths = sysconfig.get_paths()
    roots = {Path(paths[key]).resolve() for key in ("purelib", "platlib")}
    roots.add(Path(__file__).resolve().parent)  # the package itself, also when editable
    return sorted(roots)


def _working_folder(path: str) -> Path:
    """``path`` resolved, refused when it lies inside the installed package or site-packages."""
    folder = Path(path).expanduser().resolve()
    for root in _installation_roots():
        if folder == root or root in folder.parents:
            raise UsageError(f"{folder} is inside the installation ({root}); choose another DIR")
    return folder


def _copy(path: str) -> CopyResult:
    folder = _working_folder(path)
    try:
        return copy_lessons(folder)
    except OSError as err:
        raise UsageError(f"cannot copy the lessons into {folder}: {err}") from err


def _report(result: CopyResult) -> None:
    copied, skipped = len(result.copied), len(result.skipped)
    print(f"nnwidgets lessons: {result.folder}", flush=True)
    if copied:
        print(f"  copied {copied}: {', '.join(p.name for p in result.copied)}")
    if skipped:
        print(f"  skipped {skipped} already there (left unchanged): ", end="")
        print(", ".join(p.name for p in result.skipped))
    sys.stdout.flush()


def cmd_lessons(args: argparse.Namespace) -> int:
    """Copy the lessons into ``args.dir`` and say where they are."""
    result = _copy(args.dir)
    _report(result)
    print(f"Open them with: jupyter lab {shlex.quote(str(result.folder))}")
    return 0


def _require(module: str, what: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise UsageError(f"{what} is not installed: {INSTALL_HINT}")


def _lab_command(notebook: Path, args: argparse.Namespace) -> list[str]:
    _require("jupyterlab", "JupyterLab")
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--ip=127.0.0.1",
        f"--port={args.port}",
        f"--ServerApp.root_dir={notebook.parent}",
        str(notebook),
    ]
    if args.no_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd


def _voila_command(app: Path, args: argparse.Namespace) -> list[str]:
    _require("voila", "Voila")
    return [
        sys.executable,
        "-m",
        "voila",
        str(app),
        f"--port={args.port}",
        "--Voila.ip=127.0.0.1",
        "--no-browser",
        f"--Voila.root_dir={app.parent}",
        *class_page_flags(),  # the class server's page: faster, no CDN
    ]


def _write_playground(folder: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(PLAYGROUND_APP)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / "nnwidgets_playground.ipynb"
    nbformat.write(nb, path)
    return path


def run_server(cmd: list[str], cwd: Path) -> int:
    """Run ``cmd`` until it exits; SIGINT, SIGTERM and SIGHUP to this process stop it.

    The server runs in its own session with no terminal input, so a Ctrl-C reaches it only
    through here (once, as SIGTERM), and this process always waits for it to exit.
    Returns its exit status (128 + N when signal N ended it).
    """
    proc: subprocess.Popen[bytes] | None = None
    received = 0

    def on_signal(_signum: int, _frame: object) -> None:
        nonlocal received
        received += 1
        if proc is not None and proc.poll() is None:
            _stop(proc, kill=received > 1)

    previous = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, start_new_session=True)
        if received:  # a signal came while the server was being started
            _stop(proc, kill=False)
        code = proc.wait()
    finally:
        if proc is not None and proc.poll() is None:  # on an exception: never orphan it
            _stop(proc, kill=False)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                _stop(proc, kill=True)
                proc.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code if code >= 0 else 128 - code


def _stop(proc: subprocess.Popen[bytes], *, kill: bool) -> None:
    if not kill:
        print("nnwidgets: stopping the server", file=sys.stderr, flush=True)
    if not hasattr(os, "killpg"):  # Windows
        proc.kill() if kill else proc.terminate()
        return
    try:
        # start_new_session made the server the leader of its own process group.
        os.killpg(proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
    except ProcessLookupError:
        pass


def _print_command(cmd: list[str], notebook: Path) -> None:
    print(f"notebook: {notebook}")
    print(f"command: {shlex.join(cmd)}", flush=True)


def cmd_demo(args: argparse.Namespace) -> int:
    """Open 01_quickstart (copied into ``args.dir``) in JupyterLab, or the playground in Voila."""
    if args.voila:
        # The app lives in a temporary folder that goes when the server does.
        with tempfile.TemporaryDirectory(prefix="nnwidgets-voila-") as tmp:
            app = _write_playground(Path(tmp))
            cmd = _voila_command(app, args)
            if args.print_command:
                _print_command(cmd, app)
                return 0
            print(f"nnwidgets playground (Voila): http://127.0.0.1:{args.port}/", flush=True)
            return run_server(cmd, app.parent)
    result = _copy(args.dir)
    _report(result)
    notebook = result.folder / QUICKSTART
    cmd = _lab_command(notebook, args)
    if args.print_command:
        _print_command(cmd, notebook)
        return 0
    print(
        f"nnwidgets demo (JupyterLab) on http://127.0.0.1:{args.port}/lab "
        "(the full URL with its token follows)",
        flush=True,
    )
    return run_server(cmd, result.folder)


SERVE_DESCRIPTION = f"""\
Serve a class with Voila. With no NOTEBOOK, every student who opens the address gets
their own playground (nw.playground()); with one NOTEBOOK, that notebook; with several,
a list of them at / and each on its own page. Every page runs its own kernel on this
machine; the notebooks run in their folder, as in Jupyter.

Limits (each student's page is one kernel):
  --max-kernels K   at most K kernels at once. The next student gets a page saying the
                    class is full (HTTP 503) that tries again by itself; students
                    already in are not disturbed. The kernels started ahead (--preheat)
                    count toward K: each waits for the next student, who takes it, so
                    K students can still be in at once.
  --cull-after S    a kernel whose page has gone (tab closed, laptop asleep) is shut
                    down S seconds after it went quiet, and its place is free again. A
                    playing dashboard pauses by itself 10 s after its page went silent.
                    A tab closed normally frees its place at once. A kernel whose page
                    has not connected yet (still loading) is kept max(S, 60) s at least.
  --max-speed V     caps every dashboard's pace at V training steps per second, so that
                    one student cannot take a whole core.

The server listens on {serve_options.DEFAULT_IP} unless --ip says otherwise: anyone who
can reach the address can run code in the kernels, as you, with no password. Ctrl-C or
SIGTERM stops the server and every kernel. Needs Voila: {INSTALL_HINT}
"""


def _serve_options(args: argparse.Namespace) -> serve_options.ServeOptions:
    try:
        notebooks = serve_options.check_notebooks(args.notebooks)
    except ValueError as err:
        raise UsageError(str(err)) from err
    options = serve_options.ServeOptions(
        notebooks=notebooks,
        port=args.port,
        ip=args.ip,
        max_kernels=args.max_kernels,
        cull_after=args.cull_after,
        max_speed=args.max_speed,
        preheat=args.preheat,
    )
    try:
        serve_options.check_places(options)
    except ValueError as err:
        raise UsageError(str(err)) from err
    return options


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the playground (or the notebooks) to a class with Voila."""
    options = _serve_options(args)
    _require("voila", "Voila")
    warning = serve_options.address_warning(options.ip, options.port)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    # The playground lives in a temporary folder that goes when the server does.
    with tempfile.TemporaryDirectory(prefix="nnwidgets-serve-") as tmp:
        app = None if options.notebooks else _write_playground(Path(tmp))
        cmd = serve_options.server_command(options, app)
        shown = options.notebooks or [app]
        if args.print_command:
            for notebook in shown:
                print(f"notebook: {notebook}")
            print(f"command: {shlex.join(cmd)}", flush=True)
            return 0
        what = "the playground" if app else f"{len(shown)} notebook(s)"
        print(
            f"nnwidgets serve: {what} on {serve_options.page_url(options)} "
            f"(at most {options.max_kernels} students, culled {options.cull_after} s "
            f"after their page goes, pace capped at {options.max_speed:g} steps/s)",
            flush=True,
        )
        return run_server(cmd, Path(tmp) if app else serve_options.common_root(shown))


def _add_serve(sub) -> None:
    serve = sub.add_parser(
        "serve",
        help="serve a class: the playground or lessons with Voila, with limits",
        description=SERVE_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "notebooks",
        nargs="*",
        metavar="NOTEBOOK",
        help="notebooks to serve (default: the playground)",
    )
    serve.add_argument(
        "--port",
        type=serve_options.port_number,
        default=serve_options.DEFAULT_PORT,
        help=f"port to listen on (default: {serve_options.DEFAULT_PORT})",
    )
    serve.add_argument(
        "--ip",
        type=serve_options.address,
        default=serve_options.DEFAULT_IP,
        metavar="ADDR",
        help=f"address to listen on (default: {serve_options.DEFAULT_IP}, this machine only; "
        "0.0.0.0 for every network: see the warning above)",
    )
    serve.add_argument(
        "--max-kernels",
        type=serve_options.count(1),
        default=serve_options.DEFAULT_MAX_KERNELS,
        metavar="K",
        help=f"most kernels at once, the preheated ones included "
        f"(default: {serve_options.DEFAULT_MAX_KERNELS})",
    )
    serve.add_argument(
        "--cull-after",
        type=serve_options.count(1),
        default=serve_options.DEFAULT_CULL_AFTER,
        metavar="SECONDS",
        help="shut a kernel down this long after its page has gone "
        f"(default: {serve_options.DEFAULT_CULL_AFTER})",
    )
    serve.add_argument(
        "--max-speed",
        type=serve_options.steps_per_second,
        default=serve_options.DEFAULT_MAX_SPEED,
        metavar="STEPS_PER_SECOND",
        help=f"cap on every dashboard's pace (default: {serve_options.DEFAULT_MAX_SPEED:g})",
    )
    serve.add_argument(
        "--preheat",
        type=serve_options.count(0),
        default=None,
        metavar="N",
        help="kernels started ahead for each notebook, so that a page appears at once; "
        f"they count toward --max-kernels (default: {serve_options.PLAYGROUND_PREHEAT} "
        f"for the playground, {serve_options.NOTEBOOK_PREHEAT} for notebooks)",
    )
    serve.add_argument(
        "--print-command",
        action="store_true",
        help="print the notebooks and the server command, start nothing",
    )
    serve.set_defaults(func=cmd_serve)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``nnwidgets`` command."""
    parser = argparse.ArgumentParser(
        prog="nnwidgets",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{lessons,demo,serve}")
    lessons = sub.add_parser(
        "lessons",
        help="copy the lesson notebooks into a folder of yours",
        description="Copy the lesson notebooks into DIR, never overwriting a file there.",
    )
    lessons.add_argument(
        "dir", nargs="?", default=DEFAULT_FOLDER, metavar="DIR", help=f"default: ./{DEFAULT_FOLDER}"
    )
    lessons.set_defaults(func=cmd_lessons)

    demo = sub.add_parser(
        "demo",
        help="open the quickstart in JupyterLab (or the playground in Voila)",
        description=(
            "Copy the lessons into DIR (never overwriting a file there) and open "
            f"{QUICKSTART} in JupyterLab, or serve the playground with Voila. "
            "Ctrl-C or SIGTERM stops the server."
        ),
    )
    demo.add_argument("--voila", action="store_true", help="serve nw.playground() with Voila")
    demo.add_argument("--port", type=int, default=8888, help="port on 127.0.0.1 (default: 8888)")
    demo.add_argument(
        "--dir",
        default=DEFAULT_FOLDER,
        metavar="DIR",
        help=f"where the lessons are copied and opened (default: ./{DEFAULT_FOLDER})",
    )
    demo.add_argument(
        "--no-browser", action="store_true", help="do not open a web browser (JupyterLab)"
    )
    demo.add_argument(
        "--print-command",
        action="store_true",
        help="prepare the lessons, print the notebook and the server command, start nothing",
    )
    demo.set_defaults(func=cmd_demo)
    _add_serve(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as err:
        parser.exit(2, f"nnwidgets {args.command}: error: {err}\n")


if __name__ == "__main__":
    sys.exit(main())
