"""Premier jour avec une collectivité réelle : `kit init` (kit.project.create_workspace), les
étapes que la configuration permet (plan_steps) et `kit rapport` (run_report, run_batch).

Les faits attendus sur les territoires sont relus dans le référentiel de l'INSEE du dossier
partagé (``../shared/data/reference``) avec le module csv, indépendamment du Parquet du kit.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from openpyxl import load_workbook

from kit.errors import ConfigError
from kit.project import create_workspace, plan_steps, run_report, slug, update_workspace
from kit.report import run_batch
from kit.templates import read_identification, write_questionnaire, write_template
from kit.workspace import load_config

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "data" / "reference"
CAMPAIGN = dt.date(2026, 3, 2)


def _rows(name: str) -> list[dict[str, str]]:
    if not (REFERENCE / name).is_file():
        pytest.skip(f"Référentiel partagé absent ({REFERENCE / name}) : test sauté.")
    with (REFERENCE / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def commune(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ws") / "montpellier"
    create_workspace(folder, code_insee="34172", campaign=CAMPAIGN,
                     services=["Finances", "Eau et assainissement", "Déchets"])
    return folder


class TestInitCommune:
    def test_configuration_pre_remplie_depuis_le_referentiel(self, commune: Path) -> None:
        config = load_config(commune / "collectivite.yaml")
        ref = next(r for r in _rows("communes.csv") if r["code_insee"] == "34172"
                   and r["type"] == "commune-actuelle")
        assert config["nom"] == ref["nom"] == "Montpellier"
        assert config["code_insee"] == "34172"
        assert (config["departement"], config["region"]) == (ref["dep"], ref["reg"])
        assert config["population"] == int(ref["population"])
        assert config["epci"]["siren"] == ref["epci"]
        members = [r for r in _rows("epci_membres.csv") if r["siren_epci"] == ref["epci"]]
        assert config["epci"]["nombre_communes"] == len(members)
        # plus de 200 000 habitants : dernière strate DGF (article L2334-3 du CGCT)
        assert config["strate"] == "200 000 habitants et plus"

    def test_dossiers_et_modeles_par_service(self, commune: Path) -> None:
        for name in ("Finances", "Eau et assainissement", "Déchets"):
            assert (commune / "donnees" / slug(name)).is_dir()
            assert (commune / "modeles" / slug(name) / "inventaire_donnees.xlsx").is_file()
        ident = read_identification(commune / "modeles" / "dechets" /
                                    "questionnaire_maturite.xlsx")
        assert ident["service"] == "Déchets" and ident["campagne"] == CAMPAIGN
        assert "Montpellier" in str(ident.get("collectivite"))
        wb = load_workbook(commune / "modeles" / "finances" / "inventaire_donnees.xlsx")
        formulas = " ".join(str(dv.formula1) for ws in wb.worksheets
                            for dv in ws.data_validations.dataValidation)
        lists = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows()
                         for c in row if c.value is not None)
        assert "Eau et assainissement" in formulas + lists  # liste déroulante des services
        readme = (commune / "LISEZMOI.md").read_text(encoding="utf-8")
        assert "donnees/eau_et_assainissement/" in readme and "23 mars 2026" in readme

    def test_espace_existant_jamais_reecrit(self, commune: Path) -> None:
        before = (commune / "collectivite.yaml").read_bytes()
        with pytest.raises(ConfigError, match="existe déjà"):
            create_workspace(commune, code_insee="34172")
        assert (commune / "collectivite.yaml").read_bytes() == before

    def test_mise_a_jour_ajoute_un_service(self, tmp_path: Path) -> None:
        folder = tmp_path / "ws"
        create_workspace(folder, code_insee="34172", services=["Finances"], campaign=CAMPAIGN)
        received = folder / "donnees" / "finances" / "recu.xlsx"
        received.write_bytes(b"fichier du service")
        text = (folder / "collectivite.yaml").read_text(encoding="utf-8")
        text = text.replace("- nom: Finances\n  dossier: finances\n",
                            "- nom: Finances\n  dossier: finances\n- nom: Culture\n")
        (folder / "collectivite.yaml").write_text(text, encoding="utf-8")
        update_workspace(folder)
        assert (folder / "modeles" / "culture" / "questionnaire_maturite.xlsx").is_file()
        assert (folder / "donnees" / "culture").is_dir()
        assert received.read_bytes() == b"fichier du service"
        assert load_config(folder / "collectivite.yaml")["services"][1]["dossier"] == "culture"


class TestInitAutres:
    def test_epci_liste_ses_communes(self, tmp_path: Path) -> None:
        create_workspace(tmp_path / "epci", siren="243400017", campaign=CAMPAIGN)
        config = load_config(tmp_path / "epci" / "collectivite.yaml")
        expected = sorted(r["code_insee"] for r in _rows("epci_membres.csv")
                          if r["siren_epci"] == "243400017")
        assert [m["code_insee"] for m in config["membres"]] == expected
        assert len(expected) == 31
        assert config["niveau"] == "epci" and config["siren"] == "243400017"

    def test_code_inconnu_propose_des_communes(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="34172 Montpellier|n'existe pas"):
            create_workspace(tmp_path / "x", code_insee="34173x"[:5].replace("3", "9", 1))

    def test_commune_fusionnee_donne_le_code_actuel(self, tmp_path: Path) -> None:
        rows = _rows("communes.csv")
        current = {r["code_insee"] for r in rows if r["type"] == "commune-actuelle"}
        old = next(r for r in rows if r["type"] == "commune-deleguee"
                   and r["code_insee"] not in current and r["commune_parente"] in current)
        with pytest.raises(ConfigError, match=old["commune_parente"]):
            create_workspace(tmp_path / "x", code_insee=old["code_insee"])
        assert not (tmp_path / "x").exists()

    def test_un_seul_identifiant(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="exactement un identifiant"):
            create_workspace(tmp_path / "x")


def test_etapes_sautees_puis_possibles(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    create_workspace(folder, code_insee="34172", services=["Eau"], campaign=CAMPAIGN)
    steps = {s.notebook: s for s in plan_steps(load_config(folder / "collectivite.yaml"))}
    assert not any(s.ready for s in steps.values())
    assert "inventaire" in steps["01_diagnostic"].reason
    where = folder / "donnees" / "eau"
    write_template("inventaire_donnees", where / "inventaire.xlsx", rows=[{
        "identifiant": "EAU-1", "titre": "Réseau d'eau", "service_producteur": "Eau",
        "detenteur": "Service", "mode_acces": "Interne", "donnees_personnelles": False}])
    write_questionnaire(where / "questionnaire.xlsx", collectivite="Montpellier",
                        service="Eau", campagne=CAMPAIGN, answers={"GOV-1": 2})
    steps = {s.notebook: s for s in plan_steps(load_config(folder / "collectivite.yaml"))}
    assert steps["01_diagnostic"].ready
    assert not steps["03_indicateurs"].ready


def _notebook(path: Path, code: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Essai"), nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


def test_un_notebook_casse_n_empeche_pas_les_autres(tmp_path: Path) -> None:
    good = _notebook(tmp_path / "bon.ipynb", "print(6 * 7)")
    bad = _notebook(tmp_path / "casse.ipynb", "1 / 0")
    runs = run_batch([(good, "Bon", {}), (bad, "Cassé", {})], tmp_path / "out", progress=False)
    assert runs[0].html is not None and runs[0].html.is_file()
    assert runs[1].html is None and "ZeroDivisionError" in runs[1].error
    assert "cellule" in runs[1].error


def test_rapport_de_bout_en_bout_et_index(tmp_path: Path) -> None:
    """Un espace créé par init, un service qui a rendu ses fichiers : le diagnostic tourne, les
    autres étapes sont sautées avec leur raison, l'index le dit ; les fichiers reçus sont
    intacts."""
    folder = tmp_path / "ws"
    create_workspace(folder, code_insee="34172", services=["Eau", "Finances"], campaign=CAMPAIGN)
    where = folder / "donnees" / "eau"
    write_template("inventaire_donnees", where / "inventaire.xlsx", rows=[
        {"identifiant": "EAU-1", "titre": "Réseau d'eau", "service_producteur": "Eau",
         "detenteur": "Délégataire (DSP)", "nom_delegataire": "Aqua", "mode_acces": "Sur demande",
         "clauses_donnees_dsp": "non", "donnees_personnelles": False},
        {"identifiant": "EAU-2", "titre": "Relevés", "service_producteur": "Eau",
         "detenteur": "Service", "mode_acces": "Interne", "donnees_personnelles": False}])
    write_questionnaire(where / "questionnaire.xlsx", collectivite="Montpellier",
                        service="Eau", campagne=CAMPAIGN, answers={"GOV-1": 2, "QUA-1": 3})
    digests = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in where.iterdir()}
    result = run_report(folder / "collectivite.yaml", steps=["01", "03"], progress=False)
    runs = {r.notebook: r for r in result.runs}
    assert set(runs) == {"01_diagnostic", "03_indicateurs"}
    assert runs["01_diagnostic"].html is not None, runs["01_diagnostic"].error
    assert runs["03_indicateurs"].skipped and "catalogue" in runs["03_indicateurs"].skipped
    assert result.ok
    index = result.index.read_text(encoding="utf-8")
    assert "Montpellier" in index and "01_diagnostic.html" in index and "catalogue" in index
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in where.iterdir()} == digests


def test_ligne_de_commande_init(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "kit", "init", str(tmp_path / "ws"), "--code-insee", "34172"]
    first = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    assert "Montpellier" in (tmp_path / "ws" / "collectivite.yaml").read_text(encoding="utf-8")
    again = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 2 and "existe déjà" in again.stderr
    assert "Traceback" not in again.stderr


def test_init_puis_collecte_en_ligne_de_commande(tmp_path: Path) -> None:
    """init, un service renvoie un inventaire avec une erreur posée (mode d'accès hors liste,
    cellule notée à la main), collecter → retour à corriger, suivi, code de sortie 1."""
    folder = tmp_path / "ws"
    create_workspace(folder, code_insee="34172", services=["Eau", "Culture"], campaign=CAMPAIGN)
    write_template("inventaire_donnees", folder / "donnees" / "eau" / "inventaire.xlsx", rows=[{
        "identifiant": "EAU-1", "titre": "Réseau", "service_producteur": "Eau",
        "detenteur": "Service", "mode_acces": "Par pigeon voyageur",
        "donnees_personnelles": False}])
    res = subprocess.run([sys.executable, "-m", "kit", "collecter", str(folder)],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr
    feedback = list((folder / "retours" / "eau").glob("*_a_corriger.xlsx"))
    assert len(feedback) == 1
    wb = load_workbook(feedback[0])
    assert wb.sheetnames[0] == "À corriger"
    assert (folder / "suivi_collecte.xlsx").is_file()
