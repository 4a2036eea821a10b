"""The lesson notebooks, shipped inside the package so that a pip install has them too.

``nnwidgets lessons [DIR]`` (see ``nnwidgets/__main__.py``) copies them into a folder of
the user's with :func:`copy_lessons`; the copies are what students open and edit, never
the files in the installed package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

QUICKSTART = "01_quickstart.ipynb"
DEFAULT_FOLDER = "nnwidgets-lessons"

__all__ = ["DEFAULT_FOLDER", "QUICKSTART", "CopyResult", "copy_lessons", "lesson_files"]


def lesson_files() -> list[Traversable]:
    """The shipped lesson notebooks, sorted by name (``01_quickstart.ipynb`` first)."""
    folder = resources.files(__name__)
    return sorted(
        (item for item in folder.iterdir() if item.is_file() and item.name.endswith(".ipynb")),
        key=lambda item: item.name,
    )


@dataclass
class CopyResult:
    """What :func:`copy_lessons` did: the folder, and the files it wrote or left alone."""

    folder: Path
    copied: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)


def copy_lessons(dest: str | Path) -> CopyResult:
    """Copy every lesson into ``dest`` (created if needed); an existing file is never
    overwritten, so a student's edited copy survives a second run."""
    folder = Path(dest).expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{folder} exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    result = CopyResult(folder)
    for lesson in lesson_files():
        target = folder / lesson.name
        try:
            # "xb" creates the file or fails: no window between a check and the write.
            with open(target, "xb") as out:
                out.write(lesson.read_bytes())
        except FileExistsError:
            result.skipped.append(target)
        else:
            result.copied.append(target)
    return result
