"""Every lesson notebook executes headless, top to bottom, without an error.

The notebooks run in a ``python3`` kernel of the interpreter running the tests (checked
by a cell appended in memory), from a copy in memory: outputs are never written back.
Beyond "no error", each lesson's key claim is checked on its printed output.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

pytestmark = pytest.mark.notebook

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "nnwidgets" / "lessons"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
LESSONS = [
    "01_quickstart.ipynb",
    "02_learning_rate.ipynb",
    "03_optimizers.ipynb",
    "04_vanishing_gradients.ipynb",
    "05_overfitting.ipynb",
    "06_your_own_data.ipynb",
]
PREFIX_MARKER = "NNW-KERNEL-PREFIX="


def test_lessons_are_found() -> None:
    """The glob must find the lessons, so the parametrized test cannot collect nothing."""
    assert len(NOTEBOOKS) >= 6, f"found only {[p.name for p in NOTEBOOKS]} in {NOTEBOOK_DIR}"
    missing = set(LESSONS) - {p.name for p in NOTEBOOKS}
    assert not missing, f"lesson notebooks missing: {sorted(missing)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_clean(path: Path) -> None:
    """Stored without outputs and with the python3 kernelspec."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs, f"{path.name} cell {i} has stored outputs"
            assert cell.execution_count is None, f"{path.name} cell {i} has an execution count"


def _execute(path: Path) -> tuple[str, str]:
    """Run a copy of the notebook; return (stdout, stderr) of all its cells."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(new_code_cell(f"import sys\nprint({PREFIX_MARKER!r} + sys.prefix)"))
    client = NotebookClient(
        nb,
        timeout=180,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    out, err = [], []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", f"{output.ename}: {output.evalue}"
            if output.output_type == "stream":
                (err if output.name == "stderr" else out).append(output.text)
    return "".join(out), "".join(err)


def _number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    assert match, f"no line matching {pattern!r} in the output:\n{text}"
    return float(match.group(1))


def _check_quickstart(out: str) -> None:
    assert _number(r"step_count after play: (\d+)", out) > 0
    assert _number(r"steps played while this cell waited: (\d+)", out) > 0


def _check_learning_rate(out: str) -> None:
    assert re.search(r"tr\.diverged:\s+True", out), out
    assert re.search(r"snapshot\.diverged: True", out), out
    before = _number(r"refused step: (\d+) /", out)
    after = _number(r"refused step: \d+ / (\d+)", out)
    assert before == after, "a step after divergence must be refused"
    assert "kept weights finite: True" in out
    assert re.search(r"^diverged: False$", out, re.M), "recovery with lr 0.1 must not diverge"


def _check_optimizers(out: str) -> None:
    starts = re.findall(r"^(?:SGD|Adam).*?\s(\d+\.\d+)\s+\d+\.\d+\s+\d+%", out, re.M)
    assert len(starts) == 3, out
    assert len(set(starts)) == 1, f"runs must start from identical weights: {starts}"
    assert re.search(r"^best: ", out, re.M), out


def _check_vanishing(out: str) -> None:
    sigmoid = _number(r"first/last layer gradient ratio: sigmoid ([0-9.e+-]+),", out)
    relu = _number(r"first/last layer gradient ratio: sigmoid [0-9.e+-]+, relu ([0-9.e+-]+)", out)
    assert sigmoid < relu / 10, f"sigmoid ratio {sigmoid:g} not well below relu's {relu:g}"


def _check_overfitting(out: str) -> None:
    assert re.search(r"lowest test loss [0-9.]+ at epoch \d+", out), out
    plain = _number(r"final test loss: no penalty ([0-9.]+),", out)
    l2 = _number(r"final test loss: no penalty [0-9.]+, l2=0\.01 ([0-9.]+)", out)
    assert l2 < plain, f"L2 should lower the final test loss: {l2} vs {plain}"


def _check_own_data(out: str) -> None:
    for what, task in [
        ("floats (a price)", "regression"),
        ("0/1 integers", "binary"),
        ("integers 0..2", "multiclass"),
        ("strings", "binary"),
    ]:
        assert re.search(rf"^{re.escape(what)}\s+-> {task}$", out, re.M), (what, out)
    assert "predict(raw X):" in out
    if "Skipping the digits part" not in out:
        assert _number(r"test accuracy ([0-9.]+)%", out) > 80


CHECKS = {
    "01_quickstart.ipynb": _check_quickstart,
    "02_learning_rate.ipynb": _check_learning_rate,
    "03_optimizers.ipynb": _check_optimizers,
    "04_vanishing_gradients.ipynb": _check_vanishing,
    "05_overfitting.ipynb": _check_overfitting,
    "06_your_own_data.ipynb": _check_own_data,
}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path) -> None:
    out, err = _execute(path)
    assert f"{PREFIX_MARKER}{sys.prefix}" in out, (
        "the python3 kernel must be this interpreter's; got "
        + re.findall(rf"{PREFIX_MARKER}(.*)", out)[-1]
    )
    assert not err, f"{path.name} wrote to stderr (a warning shown to students?):\n{err}"
    check = CHECKS.get(path.name)
    if check is not None:
        check(out)
