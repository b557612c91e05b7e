"""Corpus hostile de bout en bout : un service ou une configuration qui contient du script, des
formules ou des données personnelles, puis tous les rapports de `kit rapport`.

Copie de l'exemple de Clairval où l'on pose, dans des champs que les rapports montrent :
- un nom de délégataire et un titre de cas d'usage avec ``<img src=x onerror=alert(…)>`` ;
- un libellé d'indicateur avec ``<script>`` et une formule ``=HYPERLINK(…)`` ;
- un pilote d'indicateur écrit comme une personne (e-mail et téléphone) ;
- un nom de service ``<svg onload=alert(…)>`` dans la configuration.

Vérifications : chaque rapport HTML ouvert dans Chromium sans tête, ``alert``, ``confirm`` et
``prompt`` remplacés par un piège : aucun ne se déclenche ; aucun fichier écrit par le passage ne
contient l'e-mail ou le téléphone posés ; aucune cellule d'un CSV écrit ne commence par ``=``.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from kit.project import run_report

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
EMAIL, PHONE = "jean.dupont@exemple.fr", "06 12 34 56 78"
HOOK = ("<script>window.__piege=[];['alert','confirm','prompt'].forEach(function(n){"
        "window[n]=function(m){window.__piege.push(n+':'+m);document.title='PIEGE '+n;};});"
        "</script>")


def _set(path: Path, header: str, value: str, row: int = 2) -> None:
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    column = next(c.column for c in ws[1] if c.value == header)
    cell = ws.cell(row=row, column=column, value=value)
    cell.data_type = "s"  # texte saisi tel quel (« =HYPERLINK… » n'est pas une formule ici)
    wb.save(path)


def _dsp_row(path: Path) -> int:
    ws = load_workbook(path, read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    holder = rows[0].index("Détenteur")
    return next(i for i, r in enumerate(rows[1:], start=2) if r[holder] == "Délégataire (DSP)")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("hostile")
    data = work / "samples"
    shutil.copytree(SAMPLES, data)
    inventory = data / "diagnostic" / "inventaires" / "inventaire_eau.xlsx"
    _set(inventory, "Nom du délégataire", "Aqua<img src=x onerror=alert('dsp')>",
         _dsp_row(inventory))
    catalogue = data / "indicateurs" / "catalogue_indicateurs.xlsx"
    _set(catalogue, "Libellé", "=HYPERLINK(\"http://exemple.invalid\")<script>alert('kpi')"
                               "</script>")
    _set(catalogue, "Responsable (pilote)", f"{EMAIL} {PHONE}")
    _set(data / "priorisation" / "cas_usage.xlsx", "Cas d'usage",
         "<img src=x onerror=alert('cas')>")
    config_path = data / "collectivite.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["services"][0]["nom"] = "<svg onload=alert('svc')>"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                           encoding="utf-8")
    out = work / "rapports"
    result = run_report(config_path, out, progress=False)
    assert result.ok, result.to_text()
    return out


def test_aucun_script_ne_s_execute_dans_chromium(hostile_run: Path, tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Chromium absent : installez le paquet Debian « chromium » (fait par .ci/run).")
    reports = sorted(hostile_run.rglob("*.html"))
    assert len(reports) >= 6
    for report in reports:
        text = report.read_text(encoding="utf-8")
        hooked = tmp_path / report.name
        hooked.write_text(re.sub(r"<head>", "<head>" + HOOK, text, count=1), encoding="utf-8")
        dom = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
             "--virtual-time-budget=8000", hooked.as_uri()],
            capture_output=True, text=True, timeout=180).stdout
        assert "<title>PIEGE" not in dom, f"script exécuté dans {report.name}"


def test_aucune_donnee_personnelle_dans_les_fichiers_ecrits(hostile_run: Path) -> None:
    leaks = []
    for path in hostile_run.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".json", ".csv", ".md", ".svg", ".txt"}:
            text = path.read_text(encoding="utf-8", errors="replace")
            if EMAIL in text or PHONE in text:
                leaks.append(str(path.relative_to(hostile_run)))
    assert leaks == []


def test_pieges_de_l_exemple_jamais_ecrits_tels_quels(hostile_run: Path) -> None:
    # pieges.json recense les cellules hostiles (script, formule, personne au lieu d'une
    # fonction) et les données personnelles posées dans l'exemple de Clairval : `make demo`
    # les fait passer par la porte de sortie ; aucun fichier écrit ne les contient tels quels
    traps = json.loads((SAMPLES / "pieges.json").read_text(encoding="utf-8"))
    raw = [t["valeur"] for t in traps["cellules_hostiles"]]
    personal = [v for v in traps["donnees_personnelles"] if len(v) >= 6]
    assert any("onerror" in v for v in raw) and any("@" in v for v in personal)
    leaks = []
    for path in hostile_run.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".json", ".csv", ".md", ".svg", ".txt"}:
            text = path.read_text(encoding="utf-8", errors="replace")
            leaks += [f"{path.relative_to(hostile_run)} : {v}" for v in raw + personal
                      if v in text]
    assert leaks == []


def test_aucune_formule_active_dans_les_csv(hostile_run: Path) -> None:
    live = []
    for path in hostile_run.rglob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            sample = handle.read(4096)
            handle.seek(0)
            delimiter = ";" if sample.count(";") > sample.count(",") else ","
            for row in csv.reader(handle, delimiter=delimiter):
                live += [f"{path.name}: {c}" for c in row if c[:1] in ("=", "+", "@")]
    assert live == []
