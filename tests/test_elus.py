"""Rapports des élus : lisibles sans connaître le kit.

Un passage de `kit.project.run_report` sur la collectivité d'exemple (fixture ``reports`` de
``conftest.py`` : une fois pour la session, 1 à 2 minutes, partagée avec
``test_elus_access.py``) ; chaque rapport des élus est relu avec BeautifulSoup (apporté par
nbconvert) et ne doit contenir ni en-tête de colonne en identifiant (``ecart_mediane_pct``), ni chemin de
fichier ou commande, ni code interne de problème (``dsp-sans-clause``), ni ligne brute de
``print`` (bloc ``<pre>``), ni barre d'outils plotly en anglais.

Les codes interdits ne sont pas recopiés ici : ils sont relus dans le kit lui-même
(`kit.diagnostic.RGPD_CODES`, chaque ``code="…"`` et chaque clé de dictionnaire écrite comme un
code dans les sources de ``kit/``, dont ``CODE_LABELS`` de la validation), pour qu'un code
ajouté demain soit contrôlé aussi.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml

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


_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre")


def test_each_report_opens_with_a_cover(reports: tuple[Path, list[Path]]) -> None:
    # sous le titre : la collectivité (nom de collectivite.yaml), la date en français, les
    # constats des premiers graphiques du rapport (lus ici dans les <figcaption> eux-mêmes,
    # dans l'ordre) et leurs sources ; rien d'autre avant
    name = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["nom"]
    for path in reports[1]:
        soup = _soup(path)
        cover = soup.select_one(".kit-couverture")
        assert cover is not None, path.name
        headings = [h for h in soup.find_all(["h1", "h2"]) if not h.find_parent(
            class_="kit-couverture")]
        assert headings[0].name == "h1" and cover.sourceline > headings[0].sourceline
        assert all(h.sourceline > cover.sourceline for h in headings[1:]), path.name
        assert cover.select_one(".kit-collectivite").get_text() == name
        day = cover.select_one(".kit-date").get_text()
        assert re.fullmatch(rf"Rapport du (1er|\d{{1,2}}) ({'|'.join(_MONTHS)}) \d{{4}}", day)
        # constat = titre du graphique, première partie du texte de remplacement
        captions = [" ".join(c.get_text().split()).split(" — ")[0] for c in soup.select(
            "figure.kit-graphique > figcaption.kit-constat")]
        found = [" ".join(li.get_text().split()) for li in cover.select("ul li")]
        expected = list(dict.fromkeys(captions))[:5]
        # trois à cinq constats : ceux des graphiques d'abord, puis, s'il y a moins de trois
        # graphiques, la première phrase des synthèses rédigées
        assert 3 <= len(found) <= 5 and found[:len(expected)] == expected, path.name
        sources = cover.select_one(".kit-sources").get_text()
        first = soup.select_one("figure.kit-graphique[data-source]")["data-source"]
        # la source du premier graphique, sans son détail entre parenthèses ni sa date
        first = first.split(" (")[0].split(", au ")[0].split(" ; ")[0]
        assert sources.startswith("Sources : ") and first in sources


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


# Format A4 en points PostScript : 210 × 297 mm, 72 points par pouce de 25,4 mm.
A4 = (210 / 25.4 * 72, 297 / 25.4 * 72)


def _key(text: str) -> str:
    """Texte comparable entre le HTML et le PDF : ligatures défaites (« ﬁ »), sans espace ni
    ponctuation (les lignes du PDF coupent les phrases), en minuscules."""
    return re.sub(r"\W+", "", unicodedata.normalize("NFKC", text)).lower()


def _drawn(page: Any) -> bool:
    """La page porte un dessin : une image, ou au moins dix segments, courbes ou rectangles
    (opérateurs ``l``, ``c`` et ``re``) dans son contenu ou ses formes (XObject)."""
    if page.images:
        return True
    streams, todo = [], [page]
    while todo:
        node = todo.pop()
        content = node.get_contents() if hasattr(node, "get_contents") else None
        if content is not None:
            streams.append(content.get_data())
        resources = (node.get("/Resources") or {})
        for ref in (resources.get("/XObject") or {}).values():
            form = ref.get_object()
            if form.get("/Subtype") == "/Form":
                streams.append(form.get_data())
                todo.append(form)
    return sum(len(re.findall(rb"\s(?:l|c|re)\s", s)) for s in streams) >= 10


def test_pdf_a4_numbered(reports: tuple[Path, list[Path]]) -> None:
    """Chaque rapport des élus a son PDF A4 aux pages numérotées, lié depuis l'index : au plus
    une page par section (titres h1 à h3, et chaque graphique, titré par son constat), chaque
    titre de section et chaque en-tête de tableau (aucune colonne coupée) dans le texte du
    PDF, et chaque graphique dessiné sur la page qui porte son constat."""
    if _chromium() is None:
        pytest.skip("Chromium absent : pas de PDF (l'index le dit, voir le test suivant)")
    pypdf = pytest.importorskip("pypdf", reason="pypdf absent (extra « test »)")
    folder, elus = reports
    index = (folder / "index.html").read_text(encoding="utf-8")
    problems = []
    for report in elus:
        pdf = report.with_suffix(".pdf")
        assert f'href="{pdf.name}"' in index
        pages = pypdf.PdfReader(pdf).pages
        width, height = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
        assert abs(width - A4[0]) < 2 and abs(height - A4[1]) < 2, (pdf.name, width, height)
        first = pages[0].extract_text()
        soup = _soup(report)
        title = soup.find("h1").get_text(" ", strip=True)
        assert " ".join(title.split()[:3]) in " ".join(first.split()), pdf.name
        assert f"page 1 sur {len(pages)}" in first
        assert f"page {len(pages)} sur {len(pages)}" in pages[-1].extract_text()
        text = " ".join(p.extract_text() for p in pages)
        assert [w for w in ENGLISH_TOOLBAR if w in text] == []

        headings = [h.get_text(" ", strip=True) for h in soup.find_all(["h1", "h2", "h3"])]
        findings = [c.get_text(" ", strip=True) for c in soup.select("figure figcaption")]
        if len(pages) > len(headings) + len(findings):
            problems.append((pdf.name, f"{len(pages)} pages pour {len(headings)} titres et "
                                       f"{len(findings)} graphiques"))
        pages_text = [_key(p.extract_text()) for p in pages]
        whole = "".join(pages_text)
        headers = {th.get_text(" ", strip=True) for th in soup.find_all("th")} - {""}
        problems += [(pdf.name, "absent du PDF", t) for t in [*headings, *sorted(headers)]
                     if _key(t) not in whole]
        for finding in findings:
            where = [i for i, t in enumerate(pages_text) if _key(finding) in t]
            if not where:
                problems.append((pdf.name, "graphique absent", finding[:60]))
            elif not _drawn(pages[where[0]]):
                problems.append((pdf.name, f"rien de dessiné page {where[0] + 1}", finding[:60]))
    assert problems == [], problems


def test_index_says_why_no_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sans Chromium (PATH vide), aucun PDF et l'index dit pourquoi, en français."""
    from kit.report import NotebookRun, add_pdfs, write_index

    monkeypatch.setenv("PATH", str(tmp_path))
    report = tmp_path / "05_comite.html"
    report.write_text("<html><body><h1>Comité</h1></body></html>", encoding="utf-8")
    run = NotebookRun("05_comite", "Comité", html=report)
    note = add_pdfs([run])
    assert run.pdf is None and note is not None
    index = write_index(tmp_path, "Clairval", [run], version="0", notes=[note])
    text = index.read_text(encoding="utf-8")
    assert "Chromium n&#x27;est pas installé" in text or "Chromium n'est pas installé" in text
    assert not list(tmp_path.glob("*.pdf"))


def test_committee_slides(reports: tuple[Path, list[Path]]) -> None:
    """Le diaporama du comité s'ouvre avec python-pptx : titre, chiffres clés, décisions, puis
    un graphique par diapositive, son constat en titre."""
    pptx = pytest.importorskip("pptx", reason="python-pptx absent")
    from kit import workspace
    from kit.comite import run_committee

    folder = reports[0]
    deck = folder / "05_comite.pptx"
    assert 'href="05_comite.pptx"' in (folder / "index.html").read_text(encoding="utf-8")
    slides = list(pptx.Presentation(deck).slides)
    titles = [s.shapes.title.text for s in slides]
    assert titles[0].startswith("Comité de pilotage — ")
    assert "Les chiffres clés" in titles
    assert any(t.startswith("Les décisions à prendre") for t in titles)
    # relevé indépendant : chaque chiffre clé du comité figure dans le tableau de sa diapositive
    point = run_committee(workspace.load_config(CONFIG), folder / "relecture")
    table = next(sh.table for sh in slides[titles.index("Les chiffres clés")].shapes
                 if sh.has_table)
    subjects = [table.cell(i, 0).text for i in range(1, len(table.rows))]
    assert subjects == [str(s) for s in point.figures["sujet"]]
    charts = [s for s in slides if any(sh.shape_type == 13 for sh in s.shapes)]  # 13 = image
    assert len(charts) >= 2
    for slide in charts:
        assert slide.shapes.title.text not in ("", "Graphique")
        assert not SNAKE.search(slide.shapes.title.text)


def test_first_figure_in_analyst_cell(tmp_path: Path) -> None:
    """La première figure (qui porte plotly.js) dans une cellule « analyste » : le rapport des
    élus garde plotly.js une fois, sans cette figure, et la figure suivante se dessine."""
    import nbformat

    from kit.report import ANALYST_TAG, run_notebook

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Essai"),
        nbformat.v4.new_code_cell(
            "import plotly.express as px\nfrom kit.charts import show\n"
            'show(px.bar(x=[1, 2], y=[3, 4], title="Graphique A"))',
            metadata={"tags": [ANALYST_TAG]}),
        nbformat.v4.new_code_cell('show(px.bar(x=[1, 2], y=[3, 4], title="Graphique B"))'),
    ]
    nbformat.write(nb, tmp_path / "essai.ipynb")
    html = run_notebook(tmp_path / "essai.ipynb", tmp_path / "out").read_text(encoding="utf-8")
    assert html.count("window.PlotlyConfig") == 1
    assert html.count("Plotly.newPlot(") == 1
    assert "Graphique A" not in html and "Graphique B" in html
    full = (tmp_path / "out" / "analyste" / "essai.html").read_text(encoding="utf-8")
    assert full.count("Plotly.newPlot(") == 2
