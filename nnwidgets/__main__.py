"""``python -m nnwidgets demo [--voila] [--port N]``: open the demo in JupyterLab or Voila."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PLAYGROUND_APP = """\
import nnwidgets as nw
nw.playground()
"""


def _repo_notebook() -> Path | None:
    nb = Path(__file__).resolve().parent.parent / "notebooks" / "01_quickstart.ipynb"
    return nb if nb.exists() else None


def _playground_notebook(folder: Path) -> Path:
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


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="nnwidgets", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="open the demo notebook (JupyterLab) or app (Voila)")
    demo.add_argument("--voila", action="store_true", help="serve nw.playground() with Voila")
    demo.add_argument("--port", type=int, default=8888, help="port on 127.0.0.1")
    args = parser.parse_args(argv)

    bindir = Path(sys.executable).parent
    if args.voila:
        voila = shutil.which("voila", path=str(bindir)) or shutil.which("voila")
        if voila is None:
            parser.error("Voila is not installed: pip install 'nnwidgets[notebook]'")
        app = _playground_notebook(Path(tempfile.mkdtemp(prefix="nnwidgets-")))
        url = f"http://127.0.0.1:{args.port}/"
        print(f"nnwidgets playground (Voila): {url}", flush=True)
        cmd = [
            voila,
            str(app),
            f"--port={args.port}",
            "--Voila.ip=127.0.0.1",
            "--no-browser",
            f"--Voila.root_dir={app.parent}",
        ]
    else:
        lab = shutil.which("jupyter-lab", path=str(bindir)) or shutil.which("jupyter-lab")
        if lab is None:
            parser.error("JupyterLab is not installed: pip install 'nnwidgets[notebook]'")
        nb = _repo_notebook()
        target = [f"--ServerApp.root_dir={nb.parent}", str(nb)] if nb else []
        print(
            f"nnwidgets demo (JupyterLab) on http://127.0.0.1:{args.port}/lab "
            "(the full URL with its token follows)",
            flush=True,
        )
        cmd = [lab, "--ip=127.0.0.1", f"--port={args.port}", *target]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
