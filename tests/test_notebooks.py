"""Tests des notebooks : stockés sans sorties, paramétrables, sans données personnelles."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PIEGES = ROOT / "data" / "samples" / "pieges.json"
CONFIG = ROOT / "data" / "samples" / "collectivite.yaml"


def _personal_data() -> list[str]:
    if not PIEGES.is_file():
        pytest.skip(f"{PIEGES} absent : générez d'abord les fichiers d'exemple")
    values = json.loads(PIEGES.read_text(encoding="utf-8"))["donnees_personnelles"]
    assert values, "pieges.json doit lister des données personnelles fictives"
    return [str(v) for v in values]


def test_notebooks_exist() -> None:
    assert ROOT / "notebooks" / "00_demarrage.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
class TestStoredNotebook:
    def test_stripped(self, path: Path) -> None:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for number, cell in enumerate(nb.cells, start=1):
            if cell.cell_type == "code":
                assert cell.outputs == [], f"cellule {number} : sorties à effacer"
                assert cell.execution_count is None, f"cellule {number} : compteur à effacer"

    def test_one_parameters_cell_with_literals(self, path: Path) -> None:
        nb = nbformat.read(path, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1
        assert tagged[0].cell_type == "code"
        for line in tagged[0].source.splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                assert "=" in line and "(" not in line, f"paramètre non littéral : {line!r}"

    def test_kernel_and_thin_cells(self, path: Path) -> None:
        nb = nbformat.read(path, as_version=4)
        assert nb.metadata["kernelspec"]["name"] == "python3"
        assert nb.cells[0].cell_type == "markdown"
        assert nb.cells[0].source.startswith("# Étape ")
        for cell in nb.cells:
            if cell.cell_type == "code":
                code = [line for line in cell.source.splitlines() if line.strip()]
                assert len(code) <= 5, f"cellule trop longue : {cell.source!r}"
                for word in ("def ", "class ", "for ", "while "):
                    assert not any(line.lstrip().startswith(word) for line in code), cell.source

    def test_no_personal_data(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        found = [value for value in _personal_data() if value in text]
        assert found == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_report_has_aggregates_only_and_every_chart(path: Path, tmp_path: Path) -> None:
    """Chaque rapport s'exécute sur l'exemple, ne montre aucune donnée personnelle, garde
    chacun de ses graphiques et n'appelle aucune adresse extérieure."""
    if not CONFIG.is_file():
        pytest.skip(f"{CONFIG} absent : générez d'abord les fichiers d'exemple")
    from kit.report import run_notebook

    personal = _personal_data()
    html_path = run_notebook(path, tmp_path)
    html = html_path.read_text(encoding="utf-8")
    text = html + unescape(html)
    assert [value for value in personal if value in text] == []
    source = nbformat.read(path, as_version=4)
    shown = sum(c.source.count("charts.show(") for c in source.cells if c.cell_type == "code")
    several = any("charts.show_all(" in c.source for c in source.cells)
    figures = html.count('class="plotly-graph-div"')
    assert figures == shown or (several and figures > shown)
    assert html.count("Plotly.newPlot(") == figures
    assert source.cells[0].source.splitlines()[0].lstrip("# ") in unescape(html)
    assert not re.search(r"<script[^>]+src=[\"']?https?:", html)
    executed = nbformat.read(tmp_path / "executes" / path.name, as_version=4)
    outputs = json.dumps([c.get("outputs", []) for c in executed.cells], ensure_ascii=False)
    assert [value for value in personal if value in outputs] == []
    errors = [o for c in executed.cells for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []
