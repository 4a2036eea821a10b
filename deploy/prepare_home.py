#!/usr/bin/env python3
"""Put the nnwidgets lessons and a playground notebook in a student's home, then start.

    python prepare_home.py [--home DIR] [-- COMMAND ARG ...]

Copies the lesson notebooks into ``HOME/nnwidgets-lessons`` and writes
``HOME/playground.ipynb`` (one cell, the served playground of ``nnwidgets serve``, which
takes its setup from the page's URL: ``?dataset=spiral&lr=0.03``); an existing file is never
overwritten, so a student's edited copy survives the next login. With ``-- COMMAND``
it then becomes that command (the single-user server). It runs as the student, so the
files are theirs. Used by jupyterhub_config.py (each single-user server's start) and by
the Kubernetes image (the Dockerfile installs it as ``nnwidgets-prepare-home``, which
z2jh-values.yaml runs as a postStart hook). Needs only nnwidgets.
"""

import json
import os
import sys
from pathlib import Path

LESSONS_FOLDER = "nnwidgets-lessons"
PLAYGROUND = "playground.ipynb"


def playground_notebook() -> dict:
    """A notebook (nbformat 4) whose one code cell shows the playground, in the setup of
    the page's URL query when Voila serves it (as ``nnwidgets serve`` does)."""
    from nnwidgets.classroom.options import PLAYGROUND_APP

    cell = {
        "cell_type": "code",
        "execution_count": None,
        "id": "playground",
        "metadata": {},
        "outputs": [],
        "source": PLAYGROUND_APP,
    }
    kernelspec = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    return {
        "cells": [cell],
        "metadata": {"kernelspec": kernelspec, "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def prepare_home(home: Path) -> None:
    """Copy the lessons and write the playground notebook into ``home`` (never overwriting)."""
    from nnwidgets.lessons import copy_lessons

    home.mkdir(parents=True, exist_ok=True)
    copy_lessons(home / LESSONS_FOLDER)
    try:
        with open(home / PLAYGROUND, "x") as out:
            json.dump(playground_notebook(), out, indent=1)
    except FileExistsError:
        pass


def main(argv: list[str]) -> None:
    """Parse ``[--home DIR] [-- COMMAND ...]``, prepare the home, exec the command."""
    command: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, command = argv[:cut], argv[cut + 1 :]
    home = Path.home()
    if argv[:1] == ["--home"] and len(argv) == 2:
        home = Path(argv[1]).expanduser()
    elif argv:
        sys.exit(f"usage: prepare_home.py [--home DIR] [-- COMMAND ...]; got {argv}")
    try:
        prepare_home(home)
    except Exception as err:  # the server must still start; the page will say what is missing
        print(f"nnwidgets: could not prepare {home}: {err!r}", file=sys.stderr, flush=True)
    if command:
        sys.stdout.flush()
        os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
