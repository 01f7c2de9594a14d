"""The notebooks in notebooks/ run headless from top to bottom with nbclient, on a kernel started
from an explicit kernel spec that names the interpreter running the tests (the repository's
.venv), so no Jupyter kernel installed elsewhere can stand in for it. Each run works on a
temporary copy and must draw at least one figure and save its main figure to $THETA_FIGURES_DIR;
the repository is left as it was. A failing cell fails the test with that cell and its error."""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from traitlets import default

from conftest import REPO

NOTEBOOKS = REPO / "notebooks"
KERNEL = "theta-net-test"
CELL_TIMEOUT = 180  # seconds for one cell; each notebook takes a few seconds in all
STARTUP_TIMEOUT = 60
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
PROBE = (
    "import json, sys\n" "print('KERNEL ' + json.dumps({'executable': sys.executable, 'prefix': sys.prefix}))"
)

# notebook, the working directory it is started in (both places the notebooks support), and the
# figure it saves when THETA_FIGURES_DIR is set (docs/figures/ holds the committed ones)
CASES = [
    pytest.param("bandwidth.ipynb", "notebooks", "bandwidth.png", id="bandwidth-cwd-notebooks"),
    pytest.param("reconciliation.ipynb", "root", "reconciliation_sweep.png", id="reconciliation-cwd-root"),
    pytest.param("client_counts.ipynb", "notebooks", "client_counts.png", id="client-counts-cwd-notebooks"),
]


class NotebookFailed(AssertionError):
    pass


def _kernel_manager_class(tmp: Path) -> type:
    """A kernel manager class whose only kernel spec runs ipykernel on this very interpreter.
    nbclient creates (and so owns, and shuts down after the run) one of these."""
    spec = tmp / "kernels" / KERNEL
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [
                    sys.executable,
                    "-Xfrozen_modules=off",
                    "-m",
                    "ipykernel_launcher",
                    "-f",
                    "{connection_file}",
                ],
                "display_name": "theta_net tests",
                "language": "python",
                "env": {"PYDEVD_DISABLE_FILE_VALIDATION": "1"},
                "metadata": {"debugger": False},
            }
        )
    )
    specs = KernelSpecManager(kernel_dirs=[str(tmp / "kernels")], ensure_native_kernel=False)

    class VenvKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _only_the_venv(self) -> KernelSpecManager:
            return specs

    return VenvKernelManager


def _describe_failure(nb, error: Exception) -> str:
    """The failing cell (number and first lines) and the end of its traceback, without colours."""
    for number, cell in enumerate(nb.cells, 1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                source = cell.source.splitlines()
                head = "\n".join(f"    {line}" for line in source[:6])
                more = f"\n    ... ({len(source) - 6} more lines)" if len(source) > 6 else ""
                trace = ANSI.sub("", "\n".join(output.get("traceback", []))).splitlines()
                return (
                    f"cell {number} failed: {output['ename']}: {output['evalue']}\n{head}{more}\n"
                    f"  traceback (last lines):\n" + "\n".join(f"    {line}" for line in trace[-15:])
                )
    return ANSI.sub("", f"{type(error).__name__}: {error}")[-3000:]


def run_notebook(nb, workdir: Path, tmp: Path, timeout: int = CELL_TIMEOUT) -> float:
    """Executes `nb` (in memory) on a fresh kernel started in `workdir`; returns the seconds it
    took. Raises NotebookFailed naming the failing cell and its error."""
    client = NotebookClient(
        nb,
        kernel_manager_class=_kernel_manager_class(tmp),
        kernel_name=KERNEL,
        timeout=timeout,
        startup_timeout=STARTUP_TIMEOUT,
        resources={"metadata": {"path": str(workdir)}},
    )
    started = time.perf_counter()
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
        raise NotebookFailed(_describe_failure(nb, error)) from None
    return time.perf_counter() - started


def _outputs(nb, kind: str):
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if kind in output.get("data", {}):
                yield output["data"][kind]


def _stdout(nb) -> str:
    return "".join(
        output.get("text", "")
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stdout"
    )


@pytest.mark.parametrize("name, cwd, figure", CASES)
def test_notebook_runs_headless(name, cwd, figure, tmp_path, monkeypatch):
    source = NOTEBOOKS / name
    committed = source.read_bytes()
    listing = sorted(p.name for p in NOTEBOOKS.iterdir())
    copy = tmp_path / name
    shutil.copyfile(source, copy)
    nb = nbformat.read(copy, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    figures = tmp_path / "figures"
    monkeypatch.setenv("THETA_FIGURES_DIR", str(figures))

    failed = None
    try:
        seconds = run_notebook(nb, NOTEBOOKS if cwd == "notebooks" else REPO, tmp_path)
    except NotebookFailed as failure:
        failed = str(failure)
    if failed:  # outside the except block, so the report is this message alone
        pytest.fail(f"{name} (run from {cwd}): {failed}", pytrace=False)
    nbformat.write(nb, copy)  # the executed copy, for a look when something is off

    images = list(_outputs(nb, "image/png"))
    assert images, f"{name} ran ({seconds:.1f} s) but drew no figure"
    probe = [line for line in _stdout(nb).splitlines() if line.startswith("KERNEL ")]
    assert probe, f"{name}: the kernel probe printed nothing"
    kernel = json.loads(probe[-1][len("KERNEL ") :])
    assert kernel == {
        "executable": sys.executable,
        "prefix": sys.prefix,
    }, f"{name} ran on {kernel}, not on the test's interpreter {sys.executable}"
    saved = figures / figure
    assert (
        saved.is_file() and saved.stat().st_size > 0
    ), f"{name}: THETA_FIGURES_DIR was set but {figure} was not saved (found {sorted(figures.glob('*'))})"
    assert source.read_bytes() == committed, f"running {name} changed notebooks/{name}"
    assert sorted(p.name for p in NOTEBOOKS.iterdir()) == listing, f"running {name} wrote into notebooks/"


def test_a_failing_cell_fails_the_run(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("raise RuntimeError('broken on purpose')"),
        nbformat.v4.new_code_cell("print('never reached')"),
    ]
    with pytest.raises(NotebookFailed) as failure:
        run_notebook(nb, tmp_path, tmp_path)
    message = str(failure.value)
    assert "cell 2 failed: RuntimeError: broken on purpose" in message, message
    assert "\x1b[" not in message
    assert not nb.cells[2].outputs


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebook_is_saved_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        n
        for n, cell in enumerate(nb.cells, 1)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} hold outputs or execution counts; clear them "
        f"before committing (keeps diffs small)"
    )
