"""Rapports des élus : lisibles sans connaître le kit.

Un passage de `kit.project.run_report` sur la collectivité d'exemple (une fois pour le module,
1 à 2 minutes) ; chaque rapport des élus est relu avec BeautifulSoup (apporté par nbconvert)
et ne doit contenir ni en-tête de colonne en identifiant (``ecart_mediane_pct``), ni chemin de
fichier ou commande, ni code interne de problème (``dsp-sans-clause``), ni ligne brute de
``print`` (bloc ``<pre>``), ni barre d'outils plotly en anglais.

Les codes interdits ne sont pas recopiés ici : ils sont relus dans le kit lui-même
(`kit.diagnostic.RGPD_CODES`, chaque ``code="…"`` et chaque clé de dictionnaire écrite comme un
code dans les sources de ``kit/``, dont ``CODE_LABELS`` de la validation), pour qu'un code
ajouté demain soit contrôlé aussi.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

bs4 = pytest.importorskip("bs4", reason="BeautifulSoup (bs4, apporté par nbconvert) absent")

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "data" / "samples" / "collectivite.yaml"
SNAKE = re.compile(r"\b[a-z]+(_[a-z0-9]+)+\b")
TECHNICAL = (".yaml", ".ipynb", "make ", "python -m")
# Titres anglais des boutons de la barre d'outils de plotly.js 4 (relevés dans plotly.min.js).
ENGLISH_TOOLBAR = ("Zoom in", "Zoom out", "Download plot as a PNG", "Download plot as a png",
                   "Autoscale", "Reset axes", "Box Select", "Pan")
# « e-mail » est aussi un mot français : il peut figurer dans un texte sans être un code.
FRENCH_WORDS = {"e-mail"}


def _kit_codes() -> set[str]:
    """Codes de problème du kit : `RGPD_CODES`, chaque ``code="…"`` des sources et chaque clé
    de dictionnaire écrite comme un code (``CODE_LABELS`` de la validation…)."""
    from kit.diagnostic import RGPD_CODES

    codes = set(RGPD_CODES)
    calls = re.compile(r"""code\s*=\s*["']([a-z]+(?:-[a-z0-9]+)+)["']""")
    keys = re.compile(r"""^\s*["']([a-z]+(?:-[a-z0-9]+)+)["']\s*:""", flags=re.MULTILINE)
    for source in (ROOT / "kit").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        codes |= set(calls.findall(text)) | set(keys.findall(text))
    return codes - FRENCH_WORDS


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    if not CONFIG.is_file():
        pytest.skip(f"{CONFIG} absent : générez d'abord les fichiers d'exemple "
                    "(python -m tools.samples)")
    from kit.project import run_report

    folder = tmp_path_factory.mktemp("rapports")
    # Les noyaux des notebooks importent le kit de ce dépôt (et non une autre copie installée).
    previous = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), previous) if p)
    try:
        result = run_report(CONFIG, folder, progress=False)
    finally:
        if previous is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = previous
    assert result.ok, result.to_text()
    elus = sorted(p for p in folder.glob("*.html") if p.name != "index.html")
    assert len(elus) == 6, [p.name for p in elus]
    return folder, elus


def _soup(path: Path) -> bs4.BeautifulSoup:
    return bs4.BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _visible_text(soup: bs4.BeautifulSoup) -> str:
    for tag in soup(["script", "style"]):
        tag.decompose()
    return soup.get_text(" ")


def test_each_report_has_an_analyst_version(reports: tuple[Path, list[Path]]) -> None:
    folder, elus = reports
    for report in elus:
        full = folder / "analyste" / report.name
        assert full.is_file(), full
        # la version analyste garde ce que celle des élus retire (cellules « analyste »)
        assert full.stat().st_size > report.stat().st_size
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert 'href="analyste/05_comite.html"' in index


def test_headers_are_words(reports: tuple[Path, list[Path]]) -> None:
    found = []
    for report in reports[1]:
        for th in _soup(report).find_all("th"):
            text = th.get_text(" ", strip=True)
            if SNAKE.search(text):
                found.append((report.name, text))
    assert found == []


def test_no_path_or_command(reports: tuple[Path, list[Path]]) -> None:
    found = []
    for report in reports[1]:
        text = _visible_text(_soup(report))
        found += [(report.name, word) for word in TECHNICAL if word in text]
    assert found == []


def test_no_internal_problem_code(reports: tuple[Path, list[Path]]) -> None:
    codes = _kit_codes()
    # relevé indépendant : quelques codes que chacun peut lire dans kit/
    assert {"dsp-sans-clause", "periode-incomplete", "rgpd-sans-registre",
            "colonne-manquante"} <= codes
    found = []
    for report in reports[1]:
        text = _visible_text(_soup(report))
        found += [(report.name, code) for code in codes
                  if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)]
    assert found == []


def test_periods_are_written_out(reports: tuple[Path, list[Path]]) -> None:
    found = []
    for report in reports[1]:
        for td in _soup(report).find_all("td"):
            text = td.get_text(strip=True)
            if re.fullmatch(r"\d{4}(Q[1-4]|-(0[1-9]|1[0-2]))", text):
                found.append((report.name, text))
    assert found == []


def test_no_raw_output_block(reports: tuple[Path, list[Path]]) -> None:
    found = []
    for report in reports[1]:
        soup = _soup(report)
        found += [(report.name, pre.get_text()[:60]) for pre in soup.find_all("pre")]
        found += [(report.name, "stdout") for _ in soup.select(
            '[data-mime-type="application/vnd.jupyter.stdout"]')]
    assert found == []


def test_no_wide_table(reports: tuple[Path, list[Path]]) -> None:
    found = []
    for report in reports[1]:
        for table in _soup(report).find_all("table"):
            header = table.find("tr")
            width = len(header.find_all(["th", "td"])) if header else 0
            if width > 8:
                found.append((report.name, width))
    assert found == []


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which(
        "google-chrome")


def test_toolbar_in_french(reports: tuple[Path, list[Path]]) -> None:
    """Le DOM dessiné par Chromium (sans réseau) porte les titres français des boutons."""
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium absent : la barre d'outils dessinée ne peut pas être relue")
    report = reports[0] / "05_comite.html"
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=15000",
         "--dump-dom", report.as_uri()],
        capture_output=True, text=True, timeout=180, check=False).stdout
    titles = re.findall(r'data-title="([^"]+)"', dom)
    assert titles, "aucun bouton de barre d'outils dans le DOM dessiné"
    assert [t for t in titles if t in ENGLISH_TOOLBAR] == []
    assert "Zoom avant" in titles  # libellé de kit/charts/locale_fr.json
