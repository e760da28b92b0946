"""examples/live_candles.ipynb runs top to bottom in a real Jupyter kernel (nbclient + ipykernel):
a demo stream, a live chart updated per closed bar, the features, then the store as a DataFrame."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "examples" / "live_candles.ipynb"


@pytest.mark.slow
def test_notebook_runs_top_to_bottom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    if shutil.which("node") is None or not (ROOT / "dist" / "cli" / "main.js").exists():
        pytest.skip("the TypeScript build (dist/) or node is missing: run `npm run setup`")
    monkeypatch.setenv("TICKBRIDGE_STORE_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TICKBRIDGE_NOTEBOOK_BARS", "4")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), \
        "commit the notebook without outputs"
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    outputs = [cell.outputs for cell in notebook.cells if cell.cell_type == "code"]
    errors = [o for cell in outputs for o in cell if o.output_type == "error"]
    assert errors == []
    chart = outputs[1]
    assert [o for o in chart if "image/png" in o.get("data", {})], "the chart was not displayed"
    synchronous = "".join(o.get("text", "") for o in outputs[2] if o.output_type == "stream").splitlines()
    assert len(synchronous) == 2 and all(line.endswith(("history", "live")) for line in synchronous)
    features = outputs[3][0]["data"]["text/plain"]
    assert "obi_5" in features and "spread_bps" in features
    loaded = "".join(o.get("text", "") for o in outputs[4] if o.output_type == "stream")
    stored = int(loaded.split()[0])
    assert stored >= 4, loaded
    assert "partial" in outputs[4][-1]["data"]["text/plain"]
    assert (tmp_path / "data" / "candles.sqlite").exists()  # the store went where it was told
