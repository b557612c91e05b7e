"""Tests de kit.report : exécution des notebooks et rapports HTML hors ligne, sans code."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from kit.errors import KitError
from kit.report import NotebookError, check_environment, demo_main, run_all, run_notebook

# Texte présent une seule fois dans le code de plotly.js (en-tête de licence du paquet).
PLOTLY_SIGNATURE = "plotly.js v"

FIGURE_CELLS = [
    "import plotly.express as px\nfrom kit.charts import show",
    'show(px.bar(x=["Eau", "Déchets"], y=[1234.5, 2], title=TITRE))',
    'show(px.line(x=[1, 2, 3], y=[3, 1, 2], title="Deuxième graphique"))',
    'show(px.scatter(x=[1, 2], y=[2, 1], title="Troisième graphique"))',
    "import matplotlib\nmatplotlib.use('module://matplotlib_inline.backend_inline')\n"
    "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.show()",
    'print("valeur_calculee_" + str(6 * 7))',
]


def _write_notebook(path: Path, code_cells: list[str], parameters: str | None = None) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells.append(nbformat.v4.new_markdown_cell("# Rapport d'essai\n\nTexte pour les élus."))
    if parameters is not None:
        nb.cells.append(nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    nb.cells.extend(nbformat.v4.new_code_cell(src) for src in code_cells)
    nbformat.write(nb, path)
    return path


class _Refs(HTMLParser):
    """Relève les attributs src / href des balises <script> et <link>, et les div plotly."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.plotly_divs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.urls.append(values["src"] or "")
        if tag == "link" and values.get("href"):
            self.urls.append(values["href"] or "")
        if tag == "div" and "plotly-graph-div" in (values.get("class") or "").split():
            self.plotly_divs += 1


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    folder = tmp_path_factory.mktemp("nb")
    nb_path = _write_notebook(folder / "essai.ipynb", FIGURE_CELLS, parameters='TITRE = "x"')
    before = nb_path.read_bytes()
    html_path = run_notebook(nb_path, folder / "reports", parameters={"TITRE": "Titre injecté"})
    assert nb_path.read_bytes() == before, "le notebook source ne doit pas être réécrit"
    return nb_path, html_path, html_path.read_text(encoding="utf-8")


class TestRunNotebook:
    def test_writes_html_and_executed_copy(self, report: tuple[Path, Path, str]) -> None:
        nb_path, html_path, _ = report
        assert html_path == nb_path.parent / "reports" / "essai.html"
        executed = nb_path.parent / "reports" / "executes" / "essai.ipynb"
        assert executed.is_file()
        assert nbformat.read(executed, as_version=4).cells[-1].outputs  # sorties gardées

    def test_no_external_resource(self, report: tuple[Path, Path, str]) -> None:
        refs = _Refs()
        refs.feed(report[2])
        assert [u for u in refs.urls if not u.startswith("data:")] == []
        assert "cdn." not in " ".join(refs.urls)
        assert not re.search(r"<script[^>]+src=[\"']?https?:", report[2])
        assert not re.search(r"<link[^>]+href=[\"']?https?:", report[2])
        assert "require.min.js" not in report[2]
        assert "MathJax.Hub.Config" not in report[2]
        assert "mermaid.esm" not in report[2]

    def test_plotly_bundle_once_and_three_figures(self, report: tuple[Path, Path, str]) -> None:
        html = report[2]
        assert html.count(PLOTLY_SIGNATURE) == 1
        refs = _Refs()
        refs.feed(html)
        assert refs.plotly_divs == 3
        assert html.count("Plotly.newPlot(") == 3

    def test_parameters_injected_and_french_separators(
        self, report: tuple[Path, Path, str]
    ) -> None:
        html = report[2]
        assert "Titre injecté" in html or "Titre inject\\u00e9" in html
        assert '"separators":", "' in html
        assert html.count('{"displaylogo": false, "locale": "fr"') == 3

    def test_matplotlib_png_embedded(self, report: tuple[Path, Path, str]) -> None:
        assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', report[2])) == 1

    def test_no_code_and_no_prompt(self, report: tuple[Path, Path, str]) -> None:
        html = report[2]
        full = (report[1].parent / "analyste" / report[1].name).read_text(encoding="utf-8")
        assert "valeur_calculee_42" in full  # la sortie est dans la version analyste...
        assert "valeur_calculee_42" not in html  # ...pas la ligne print chez les élus
        for source in ("print(", "show(px.bar", "import plotly.express", "plt.plot"):
            assert source not in html and source not in full  # ...et jamais le code
        assert "In&nbsp;[" not in html
        assert 'class="jp-InputPrompt' not in html and 'class="jp-OutputPrompt' not in html
        assert 'class="jp-CodeMirrorEditor' not in html and 'class="highlight' not in html
        assert "Texte pour les élus." in html
        assert re.search(r"<title>Rapport d(&#39;|')essai</title>", html)
        assert '<html lang="fr">' in html


class TestErrors:
    def test_failing_cell_gives_french_kit_error(self, tmp_path: Path) -> None:
        nb_path = _write_notebook(
            tmp_path / "casse.ipynb", ["x = 1", "1 / 0", "y = 2"], parameters="A = 1"
        )
        with pytest.raises(KitError) as info:
            run_notebook(nb_path, tmp_path / "reports")
        message = str(info.value)
        assert "Le notebook « casse.ipynb » a échoué à la cellule n° 4" in message
        assert "« 1 / 0 »" in message and "ZeroDivisionError" in message
        assert "Traceback" not in message and "-----" not in message
        assert isinstance(info.value, NotebookError) and info.value.cellule == 4
        assert info.value.fichier == str(nb_path.resolve())
        assert not (tmp_path / "reports" / "casse.html").exists()

    def test_missing_notebook(self, tmp_path: Path) -> None:
        with pytest.raises(NotebookError, match="Notebook introuvable"):
            run_notebook(tmp_path / "absent.ipynb", tmp_path)

    def test_run_all_continues_and_lists_failures(self, tmp_path: Path) -> None:
        folder = tmp_path / "notebooks"
        folder.mkdir()
        _write_notebook(folder / "01_casse.ipynb", ["raise ValueError('donnée absente')"])
        _write_notebook(folder / "02_ok.ipynb", ["1 + 1"])
        with pytest.raises(NotebookError) as info:
            run_all(folder, tmp_path / "reports")
        assert "1 notebook(s) sur 2 en échec" in str(info.value)
        assert "donnée absente" in str(info.value)
        assert info.value.rapports == [(tmp_path / "reports" / "02_ok.html").resolve()]

    def test_run_all_order(self, tmp_path: Path) -> None:
        folder = tmp_path / "notebooks"
        folder.mkdir()
        for name in ("10_b.ipynb", "02_a.ipynb"):
            _write_notebook(folder / name, ["1"])
        paths = run_all(folder, tmp_path / "out")
        assert [p.name for p in paths] == ["02_a.html", "10_b.html"]


class TestDemoMain:
    def test_success_lists_reports(self, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
        (tmp_path / "notebooks").mkdir()
        _write_notebook(tmp_path / "notebooks" / "00_a.ipynb", ["1"])
        assert demo_main(tmp_path) == 0
        out = capsys.readouterr().out
        assert "Rapport écrit : reports/00_a.html" in out
        assert "1 rapport(s) dans reports/" in out
        assert (tmp_path / "reports" / "00_a.html").is_file()

    def test_failure_returns_1_with_french_error(
        self, tmp_path: Path, capsys: pytest.CaptureFixture
    ) -> None:
        (tmp_path / "notebooks").mkdir()
        _write_notebook(tmp_path / "notebooks" / "00_a.ipynb", ["1"])
        _write_notebook(tmp_path / "notebooks" / "01_b.ipynb", ["raise KeyError('x')"])
        assert demo_main(tmp_path) == 1
        captured = capsys.readouterr()
        assert "Rapport écrit : reports/00_a.html" in captured.out
        assert "Erreur : 1 notebook(s) sur 2 en échec" in captured.err
        assert "« 01_b.ipynb » a échoué à la cellule n° 2" in captured.err


def test_check_environment() -> None:
    env = check_environment()
    assert list(env.columns) == ["composant", "version installée", "version minimale", "état"]
    assert set(env["état"]) <= {"OK", "KO"}
    assert env.loc[env["composant"] == "plotly", "état"].item() == "OK"
    assert env.loc[env["composant"] == "plotly", "version minimale"].item() == "6"
    assert env["composant"].str.startswith("noyau Jupyter").sum() == 1


def test_browser_draws_figures_offline(
    report: tuple[Path, Path, str], tmp_path: Path
) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Chromium absent : installez le paquet Debian chromium")
    html_path = report[1]
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        # Réseau coupé : toute requête vers l'extérieur échoue.
        "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        f"--user-data-dir={tmp_path / 'profil'}",
        "--virtual-time-budget=10000",
        "--dump-dom",
        html_path.as_uri(),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    dom = result.stdout
    assert "</html>" in dom, result.stderr[-2000:]
    assert len(re.findall(r'<div[^>]*class="[^"]*js-plotly-plot', dom)) == 3
    assert len(re.findall(r'<svg[^>]*class="main-svg"', dom)) >= 3
    assert "Titre injecté" in dom
