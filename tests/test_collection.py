"""Tests du tour de collecte (kit.workspace.run_collection) et des classeurs de retour.

L'espace de travail est construit à la main dans tmp_path : trois services (eau, voirie,
culture), des modèles générés par kit.templates et remplis avec des réponses générées, dont
certaines avec des erreurs plantées. Les cellules de ces erreurs sont notées à la main, d'après
l'ordre des champs du schéma inventaire_donnees (identifiant = A, titre = B, …, detenteur = F,
volume = J ; première ligne de données = 2), et vérifiées sur l'en-tête relu par openpyxl.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import shutil
import subprocess
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
from defusedxml import ElementTree

from kit._parse import column_letter
from kit.errors import ConfigError, ConfigWarning
from kit.schemas import load_schema
from kit.templates import MATURITY_QUESTIONS, write_questionnaire, write_template
from kit.workspace import (
    SUIVI_COLUMNS,
    Collection,
    run_collection,
    safe_text,
)
from kit.workspace import _feedback as feedback_module
from kit.workspace._feedback import FEEDBACK_AUTHOR, FEEDBACK_FILLS

CONFIG = """\
nom: Commune d'essai
fictif: true
services:
  - nom: Eau et assainissement
    dossier: eau
  - nom: Voirie
    dossier: voirie
  - nom: Culture
    dossier: culture
"""

GOOD = [
    {"identifiant": "EAU-RESEAU", "titre": "Réseau d'eau potable", "service_producteur": "Eau",
     "detenteur": "Délégataire (DSP)", "nom_delegataire": "Société des eaux",
     "format": "SIG (shp, GeoPackage)", "volume": 12500, "mode_acces": "Export manuel",
     "donnees_personnelles": False, "qualite": 3},
    {"identifiant": "EAU-COMPTEURS", "titre": "Relevés de compteurs", "service_producteur": "Eau",
     "detenteur": "Service", "format": "Tableur (xlsx, ods)", "volume": 800,
     "mode_acces": "Interne", "donnees_personnelles": True, "qualite": 2},
    {"identifiant": "EAU-FUITES", "titre": "Fuites réparées", "service_producteur": "Eau",
     "detenteur": "Service", "mode_acces": "Interne", "donnees_personnelles": False},
]
# Erreurs plantées (deuxième et troisième lignes de données : lignes 3 et 4 du classeur) :
# F3 « Fermier » hors de la liste des détenteurs, J3 du texte dans « volume » (entier),
# B4 « titre » obligatoire laissé vide.
BAD = [dict(GOOD[0]),
       {**GOOD[1], "detenteur": "Fermier", "volume": "beaucoup"},
       {**GOOD[2], "titre": None}]
PLANTED = {"F3", "J3", "B4"}
ANSWERS = {q["code"]: (i % 5) + 1 for i, q in enumerate(MATURITY_QUESTIONS)}
RED = FEEDBACK_FILLS["erreur"]


def _questionnaire(path: Path, service: str) -> Path:
    return write_questionnaire(path, collectivite="Commune d'essai", service=service,
                               campagne=dt.date(2026, 11, 2), answers=ANSWERS)


def _touch_later(path: Path, seconds: int) -> None:
    stamp = path.stat().st_mtime + seconds
    os.utime(path, (stamp, stamp))


def _build(root: Path) -> Path:
    (root / "modeles").mkdir(parents=True)
    (root / "collectivite.yaml").write_text(CONFIG, encoding="utf-8")
    write_template("inventaire_donnees", root / "modeles" / "inventaire_donnees.xlsx")
    write_questionnaire(root / "modeles" / "questionnaire_maturite.xlsx")
    data = root / "donnees"
    for slug in ("eau", "voirie", "culture"):
        (data / slug).mkdir(parents=True)
    write_template("inventaire_donnees", data / "eau" / "inventaire.xlsx", rows=GOOD)
    _questionnaire(data / "eau" / "questionnaire.xlsx", "Eau et assainissement")
    write_template("inventaire_donnees", data / "voirie" / "inventaire.xlsx", rows=BAD)
    _questionnaire(data / "voirie" / "questionnaire.xlsx", "Voirie")
    write_template("inventaire_donnees", data / "culture" / "inventaire.xlsx", rows=GOOD)
    (data / "culture" / "notes.csv").write_text("Remarque;Auteur\nà voir;moi\n",
                                                encoding="utf-8")
    (data / "culture" / "~$inventaire.xlsx").write_bytes(b"verrou")
    (data / "culture" / ".cache.csv").write_text("x;y\n1;2\n", encoding="utf-8")
    return root


def _digests(root: Path) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((root / "donnees").rglob("*")) if p.is_file()}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """Espace de travail à modifier dans le test."""
    return _build(tmp_path / "commune")


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Collection, dict]:
    """Un tour de collecte sur l'espace de travail type, partagé par les tests qui le lisent
    seulement ; empreintes sha256 des fichiers reçus prises avant le tour."""
    root = _build(tmp_path_factory.mktemp("partage") / "commune")
    before = _digests(root)
    return root, run_collection(root, progress=False), before


def _status(result: Collection) -> dict[tuple[str, str], str]:
    s = result.suivi
    return {(r.dossier, r.fichier if r.statut == "remplacé" or not r.document else r.document):
            r.statut for r in s.itertuples()}


def _marked(ws) -> tuple[set[str], set[str]]:
    fills = {c.coordinate for row in ws.iter_rows() for c in row
             if c.fill is not None and str(c.fill.fgColor.rgb).endswith(RED)}
    notes = {c.coordinate for row in ws.iter_rows() for c in row
             if c.comment is not None and c.comment.author == FEEDBACK_AUTHOR}
    return fills, notes


class TestRunCollection:
    def test_planted_cells_are_those_of_the_schema(self, workspace: Path) -> None:
        ws = openpyxl.load_workbook(workspace / "donnees" / "voirie" / "inventaire.xlsx").active
        assert (ws["B1"].value, ws["F1"].value, ws["J1"].value) == (
            "Titre", "Détenteur", "Volume approximatif (lignes)")

    def test_tracking_table(self, collected: tuple[Path, Collection, dict]) -> None:
        workspace, result, _ = collected
        assert list(result.suivi.columns) == SUIVI_COLUMNS
        assert _status(result) == {
            ("eau", "inventaire_donnees"): "valide",
            ("eau", "questionnaire_maturite"): "valide",
            ("voirie", "inventaire_donnees"): "à corriger (3 problèmes)",
            ("voirie", "questionnaire_maturite"): "valide",
            ("culture", "inventaire_donnees"): "valide",
            ("culture", "questionnaire_maturite"): "manquant",
            ("culture", "notes.csv"): "non reconnu",
        }
        row = result.suivi[(result.suivi["dossier"] == "voirie")
                           & (result.suivi["document"] == "inventaire_donnees")].iloc[0]
        assert row["retour"] == "inventaire_a_corriger.xlsx"
        assert row["version"] == load_schema("inventaire_donnees")["version"]  # modèle écrit par le kit
        mtime = dt.datetime.fromtimestamp(
            (workspace / "donnees" / "voirie" / "inventaire.xlsx").stat().st_mtime)
        assert abs((row["date du fichier"].to_pydatetime() - mtime).total_seconds()) < 1
        assert result.feedback == [workspace / "retours" / "voirie" / "inventaire_a_corriger.xlsx"]
        assert set(result.problems["fichier"]) == {"voirie/inventaire.xlsx", "culture/notes.csv"}

    def test_feedback_names_exactly_the_planted_cells(
            self, collected: tuple[Path, Collection, dict]) -> None:
        workspace = collected[0]
        path = workspace / "retours" / "voirie" / "inventaire_a_corriger.xlsx"
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames[0] == "À corriger"
        fills, notes = _marked(wb["Données"])
        assert fills == PLANTED
        assert notes == PLANTED
        assert "Fermier" in wb["Données"]["F3"].comment.text
        listed = [wb["À corriger"].cell(row=r, column=3).value for r in range(5, 8)]
        assert set(listed) == PLANTED
        assert wb["À corriger"].cell(row=8, column=3).value is None
        todo = " ".join(str(wb["À corriger"].cell(row=r, column=7).value) for r in range(5, 8))
        assert "Délégataire (DSP)" in todo  # la liste des valeurs permises pour F3

    def test_received_files_are_never_modified(
            self, collected: tuple[Path, Collection, dict]) -> None:
        workspace, _, before = collected
        assert _digests(workspace) == before

    def test_rerun_after_a_corrected_file(self, workspace: Path) -> None:
        first = run_collection(workspace, progress=False)
        assert _status(first)[("voirie", "inventaire_donnees")].startswith("à corriger")
        fixed = workspace / "donnees" / "voirie" / "inventaire.xlsx"
        write_template("inventaire_donnees", fixed, rows=GOOD)
        _touch_later(fixed, 60)
        second = run_collection(workspace, progress=False)
        assert _status(second)[("voirie", "inventaire_donnees")] == "valide"
        assert second.feedback == []
        assert not (workspace / "retours" / "voirie" / "inventaire_a_corriger.xlsx").exists()

    def test_feedback_workbook_sent_back_corrected(self, workspace: Path) -> None:
        run_collection(workspace, progress=False)
        back = workspace / "retours" / "voirie" / "inventaire_a_corriger.xlsx"
        wb = openpyxl.load_workbook(back)
        ws = wb["Données"]
        ws["F3"], ws["J3"], ws["B4"] = "Service", 800, "Fuites réparées"
        returned = workspace / "donnees" / "voirie" / "inventaire_corrige.xlsx"
        wb.save(returned)
        _touch_later(returned, 60)
        result = run_collection(workspace, progress=False)
        status = _status(result)
        assert status[("voirie", "inventaire_donnees")] == "valide"
        replaced = result.suivi[result.suivi["statut"] == "remplacé"]
        assert replaced["fichier"].tolist() == ["inventaire.xlsx"]

    def test_tracking_files_written(self, collected: tuple[Path, Collection, dict]) -> None:
        workspace, result, _ = collected
        with open(workspace / "suivi_collecte.csv", encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f, delimiter=";"))
        assert rows[0] == SUIVI_COLUMNS
        assert len(rows) - 1 == len(result.suivi)
        assert ["culture", "questionnaire_maturite", "manquant"] == [
            rows[i][c] for i in range(1, len(rows)) for c in (1, 2, 4)
            if rows[i][1] == "culture" and rows[i][2] == "questionnaire_maturite"]
        wb = openpyxl.load_workbook(workspace / "suivi_collecte.xlsx")
        assert wb.sheetnames == ["Suivi", "Problèmes"]
        assert wb["Suivi"].max_row - 1 == len(result.suivi)

    def test_progress_bar_only_on_stderr(self, workspace: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
        run_collection(workspace, progress=False)
        assert capsys.readouterr() == ("", "")
        run_collection(workspace, progress=True)
        out, err = capsys.readouterr()
        assert out == "" and "Collecte" in err and "6/6" in err  # 6 fichiers (hors ~$ et .)

    def test_questionnaire_planted_answers(self, workspace: Path) -> None:
        # Réponse = 9e champ du schéma questionnaire_maturite (colonne I) ; la première
        # question est à la ligne 2. Plantées : 7 (hors de 1 à 5) en I2, « beaucoup » en I3.
        first, second = (q["code"] for q in MATURITY_QUESTIONS[:2])
        path = workspace / "donnees" / "eau" / "questionnaire.xlsx"
        write_questionnaire(path, collectivite="Commune d'essai", service="Eau",
                            campagne=dt.date(2026, 11, 2),
                            answers={**ANSWERS, first: 7, second: "beaucoup"})
        assert openpyxl.load_workbook(path).active["I1"].value == "Réponse (1 à 5)"
        result = run_collection(workspace, progress=False)
        assert _status(result)[("eau", "questionnaire_maturite")] == "à corriger (2 problèmes)"
        wb = openpyxl.load_workbook(workspace / "retours" / "eau"
                                    / "questionnaire_a_corriger.xlsx")
        assert wb.sheetnames[0] == "À corriger"
        assert _marked(wb["Questionnaire"]) == ({"I2", "I3"}, {"I2", "I3"})
        assert _marked(wb["Identification"]) == (set(), set())

    def test_old_template_version_is_received_with_a_remark(self, workspace: Path) -> None:
        path = workspace / "donnees" / "eau" / "inventaire.xlsx"
        wb = openpyxl.load_workbook(path)
        for prop in wb.custom_doc_props.props:
            if prop.name == "kit_version":
                prop.value = "0.9.0"
        wb.save(path)
        result = run_collection(workspace, progress=False)
        row = result.suivi[(result.suivi["dossier"] == "eau")
                           & (result.suivi["document"] == "inventaire_donnees")].iloc[0]
        assert (row["statut"], row["version"], row["erreurs"], row["remarques"]) == (
            "reçu", "0.9.0", 0, 1)
        assert "1 point(s) à vérifier" in row["remarque"]
        assert "À vérifier :\n- Eau et assainissement : inventaire_donnees" in result.to_text()
        wb = openpyxl.load_workbook(workspace / "retours" / "eau" / row["retour"])
        assert wb.sheetnames[0] == "À corriger"
        assert "version 0.9.0" in str(wb["À corriger"]["G5"].value)
        assert _marked(wb["Données"]) == (set(), set())

    def test_stray_files_and_unlisted_folders(self, workspace: Path) -> None:
        data = workspace / "donnees"
        write_template("inventaire_donnees", data / "perdu.xlsx", rows=GOOD)
        (data / "sport").mkdir()
        write_template("inventaire_donnees", data / "sport" / "inventaire.xlsx", rows=GOOD)
        result = run_collection(workspace, progress=False)
        stray = result.suivi[result.suivi["fichier"] == "perdu.xlsx"].iloc[0]
        assert stray["statut"] == "non reconnu" and "donnees/<service>/" in stray["remarque"]
        sport = result.suivi[result.suivi["dossier"] == "sport"]
        assert sport["statut"].tolist() == ["valide", "manquant"]
        assert sport["remarque"].str.contains("absent de la configuration").all()

    def test_summary_text_and_html(self, workspace: Path) -> None:
        nasty = workspace / "donnees" / "eau" / "<img src=x onerror=alert(1)>.csv"
        nasty.write_text("a;b\n1;2\n", encoding="utf-8")
        result = run_collection(workspace, progress=False)
        text = result.to_text()
        assert "3 service(s) : 5 document(s) attendu(s) reçu(s) sur 6, 4 valide(s), " \
               "1 à corriger, 1 manquant(s), 2 fichier(s) non reconnu(s)." in text
        assert "voirie" not in text or "Voirie : inventaire_donnees" in text
        page = result._repr_html_()
        assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;.csv" in page


class TestFormats:
    @pytest.mark.parametrize("fmt", ["ods", "xls"])
    def test_ods_or_xls_received_is_rebuilt(self, workspace: Path, tmp_path: Path,
                                            fmt: str) -> None:
        bad = workspace / "donnees" / "voirie" / "inventaire.xlsx"
        ods = _convert(bad, workspace / "donnees" / "voirie", tmp_path / "profil", fmt)
        bad.unlink()
        result = run_collection(workspace, progress=False)
        row = result.suivi[(result.suivi["dossier"] == "voirie")
                           & (result.suivi["document"] == "inventaire_donnees")].iloc[0]
        assert (row["fichier"], row["statut"]) == (ods.name, "à corriger (3 problèmes)")
        wb = openpyxl.load_workbook(workspace / "retours" / "voirie" / row["retour"])
        assert wb.sheetnames[:2] == ["À corriger", "Données"]
        assert _marked(wb["Données"]) == (PLANTED, PLANTED)
        assert wb["Données"]["F1"].value == "Détenteur"

    def test_csv_recognised_by_header_and_rebuilt(self, workspace: Path) -> None:
        # En-têtes = titres du modèle ; ligne 3 : détenteur hors liste (colonne F) et titre
        # qui commence par « = » (formule à neutraliser dans le retour).
        header = ["Identifiant", "Titre", "Description", "Service producteur", "Contact",
                  "Détenteur", "Nom du délégataire", "Outil ou logiciel métier", "Format",
                  "Volume approximatif (lignes)", "Fréquence de mise à jour",
                  "Date de dernière mise à jour", "Mode d'accès",
                  "Clauses données dans le contrat DSP", "Données personnelles"]
        lines = [header,
                 ["CULT-PRETS", "Prêts", "", "Culture", "", "Service", "", "", "CSV", "10", "",
                  "", "Interne", "", "non"],
                 ["CULT-FREQ", "=HYPERLINK(\"http://x\")", "", "Culture", "", "Mairie", "", "",
                  "CSV", "5", "", "", "Interne", "", "non"],
                 ["CULT-EXPO", "Expositions", "", "Culture", "", "@SUM(A1)", "", "", "CSV", "2",
                  "", "", "Interne", "", "oui"]]
        path = workspace / "donnees" / "culture" / "inventaire.csv"
        path.write_text("\n".join(";".join(x) for x in lines) + "\n", encoding="utf-8")
        (workspace / "donnees" / "culture" / "inventaire.xlsx").unlink()
        result = run_collection(workspace, progress=False)
        row = result.suivi[(result.suivi["dossier"] == "culture")
                           & (result.suivi["document"] == "inventaire_donnees")].iloc[0]
        assert row["statut"] == "à corriger (2 problèmes)"
        assert row["version"].startswith("inconnue")
        wb = openpyxl.load_workbook(workspace / "retours" / "culture" / row["retour"])
        assert wb.sheetnames[0] == "À corriger"
        data = wb[wb.sheetnames[1]]
        assert _marked(data) == ({"F3", "F4"}, {"F3", "F4"})
        assert data["F1"].value == "Détenteur" and data["F3"].value == "Mairie"
        assert data["B3"].value == "'=HYPERLINK(\"http://x\")"
        assert data["B3"].data_type == "s"
        assert (data["O3"].value, data["O4"].value) == ("non", "oui")
        fixes = wb["À corriger"]
        assert [fixes[f"C{r}"].value for r in (5, 6)] == ["F3", "F4"]
        assert fixes["E6"].value == "'@SUM(A1)"  # valeur reçue, neutralisée

    def test_text_like_a_formula_stays_text_in_the_copy(self, workspace: Path) -> None:
        path = workspace / "donnees" / "eau" / "inventaire.xlsx"
        rows = [{**GOOD[0], "titre": '=HYPERLINK("http://x","y")', "detenteur": "Fermier"}]
        write_template("inventaire_donnees", path, rows=rows)  # titre écrit comme texte (B2)
        run_collection(workspace, progress=False)
        back = workspace / "retours" / "eau" / "inventaire_a_corriger.xlsx"
        cell = openpyxl.load_workbook(back)["Données"]["B2"]
        assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x","y")', "s")
        with zipfile.ZipFile(back) as z:  # aucune formule dans les feuilles du retour
            sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
            assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)

    def test_unreadable_file_is_listed(self, workspace: Path) -> None:
        (workspace / "donnees" / "eau" / "abime.xlsx").write_bytes(b"PK\x03\x04 tronque")
        (workspace / "donnees" / "eau" / "=cmd.csv").write_text("a;b\n1;2\n", encoding="utf-8")
        result = run_collection(workspace, progress=False)
        status = _status(result)
        assert status[("eau", "abime.xlsx")] == "non reconnu"
        assert status[("eau", "inventaire_donnees")] == "valide"
        row = result.suivi[result.suivi["fichier"] == "abime.xlsx"].iloc[0]
        assert "illisible" in row["remarque"]
        with open(workspace / "suivi_collecte.csv", encoding="utf-8-sig", newline="") as f:
            names = [r["fichier"] for r in csv.DictReader(f, delimiter=";")]
        assert "'=cmd.csv" in names and "=cmd.csv" not in names

    def test_copy_that_cannot_be_saved_falls_back_to_the_read_table(
            self, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        calls = []
        real = feedback_module._save

        def fragile(wb, dest):  # la première écriture (copie openpyxl) échoue
            calls.append(dest)
            if len(calls) == 1:
                raise ValueError("élément inconnu d'openpyxl")
            return real(wb, dest)

        monkeypatch.setattr(feedback_module, "_save", fragile)
        run_collection(workspace, progress=False)
        assert len(calls) == 2
        wb = openpyxl.load_workbook(workspace / "retours" / "voirie"
                                    / "inventaire_a_corriger.xlsx")
        assert wb.sheetnames == ["À corriger", "Données"]  # recopie : feuille de données seule
        assert _marked(wb["Données"]) == (PLANTED, PLANTED)

    def test_safe_text(self) -> None:
        assert [safe_text(v) for v in ("=1+1", "+33", "-2", "@x", "\tA", "\rB", "ok", 3)] == [
            "'=1+1", "'+33", "'-2", "'@x", "'\tA", "'\rB", "ok", 3]


class TestConfiguration:
    def test_no_config(self, tmp_path: Path) -> None:
        (tmp_path / "vide" / "donnees").mkdir(parents=True)
        with pytest.raises(ConfigError, match=r"vide.*collectivite\.yaml"):
            run_collection(tmp_path / "vide", progress=False)

    def test_no_data_folder(self, workspace: Path) -> None:
        shutil.rmtree(workspace / "donnees")
        with pytest.raises(ConfigError, match=r"commune.*donnees/"):
            run_collection(workspace, progress=False)

    def test_expected_documents_from_config(self, workspace: Path) -> None:
        config = workspace / "collectivite.yaml"
        config.write_text(CONFIG + "collecte:\n  attendus:\n    registre_traitements: [eau]\n",
                          encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConfigWarning)
            result = run_collection(workspace, progress=False)
        assert _status(result)[("eau", "registre_traitements")] == "manquant"
        assert ("voirie", "registre_traitements") not in _status(result)

    def test_unknown_template_or_service(self, workspace: Path) -> None:
        config = workspace / "collectivite.yaml"
        config.write_text(CONFIG + "collecte:\n  attendus:\n    registre: [eau]\n",
                          encoding="utf-8")
        with pytest.raises(ConfigError, match="collecte.attendus.registre"):
            run_collection(workspace, progress=False)
        config.write_text(CONFIG + "collecte:\n  attendus:\n    cas_usage: [eaux]\n",
                          encoding="utf-8")
        with pytest.raises(ConfigError, match="eaux"):
            run_collection(workspace, progress=False)

    def test_two_services_one_folder(self, workspace: Path) -> None:
        config = workspace / "collectivite.yaml"
        config.write_text(CONFIG.replace("dossier: voirie", "dossier: eau"), encoding="utf-8")
        with pytest.raises(ConfigError, match=r"services\[2\].*« eau »"):
            run_collection(workspace, progress=False)

    def test_service_folder_must_stay_inside(self, workspace: Path) -> None:
        config = workspace / "collectivite.yaml"
        config.write_text(CONFIG.replace("dossier: eau", "dossier: ../../tmp"),
                          encoding="utf-8")
        with pytest.raises(ConfigError, match=r"services\[1\]\.dossier"):
            run_collection(workspace, progress=False)


def _office() -> str:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice (soffice) absent de cette machine : ouverture et conversion "
                    "des classeurs non testées")
    return office


def _convert(path: Path, out: Path, profile: Path, fmt: str = "ods") -> Path:
    subprocess.run([_office(), f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", fmt, "--outdir", str(out), str(path)], check=True,
                   timeout=180, capture_output=True)
    return out / f"{path.stem}.{fmt}"


def test_libreoffice_opens_the_feedback(collected: tuple[Path, Collection, dict],
                                        tmp_path: Path) -> None:
    _office()
    path = collected[0] / "retours" / "voirie" / "inventaire_a_corriger.xlsx"
    out = tmp_path / "lo"
    _convert(path, out, tmp_path / "profil")
    with zipfile.ZipFile(out / "inventaire_a_corriger.ods") as z:
        content = z.read("content.xml").decode("utf-8")
    # Commentaires ODF : <office:annotation> ; surlignage : style de cellule au fond FFC7CE.
    assert "Fermier" in content and "beaucoup" in content
    assert content.index('table:name="À corriger"') < content.index('table:name="Données"')
    cells = _ods_cells(content, "Données")
    red = {name for name, color in _ods_backgrounds(content).items() if color == f"#{RED.lower()}"}
    assert {ref for ref, (style, _) in cells.items() if style in red} == PLANTED
    assert {ref for ref, (_, note) in cells.items() if note and "corriger" in note} == PLANTED


_NS = {"table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
       "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
       "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
       "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"}


def _q(prefix: str, name: str) -> str:
    return f"{{{_NS[prefix]}}}{name}"


def _ods_backgrounds(content: str) -> dict[str, str]:
    """Nom de style de cellule → couleur de fond (#rrggbb, minuscules)."""
    root = ElementTree.fromstring(content.encode("utf-8"))
    out = {}
    for style in root.iter(_q("style", "style")):
        props = style.find("style:table-cell-properties", _NS)
        color = props.get(_q("fo", "background-color")) if props is not None else None
        if color:
            out[style.get(_q("style", "name"))] = color.lower()
    return out


def _ods_cells(content: str, sheet: str) -> dict[str, tuple[str | None, str | None]]:
    """Cellule (« F3 ») → (style, texte du commentaire) d'une feuille ODF, répétitions
    (number-rows-repeated, number-columns-repeated) dépliées."""
    root = ElementTree.fromstring(content.encode("utf-8"))
    table = next(t for t in root.iter(_q("table", "table")) if t.get(_q("table", "name")) == sheet)
    out, r = {}, 0
    for row in table.iter(_q("table", "table-row")):
        rows = int(row.get(_q("table", "number-rows-repeated"), "1"))
        c = 0
        for cell in row:
            if cell.tag not in (_q("table", "table-cell"), _q("table", "covered-table-cell")):
                continue
            n = int(cell.get(_q("table", "number-columns-repeated"), "1"))
            note = cell.find("office:annotation", _NS)
            text = "".join(note.itertext()) if note is not None else None
            if rows == 1 and n < 50:
                for k in range(n):
                    ref = f"{column_letter(c + k)}{r + 1}"
                    out[ref] = (cell.get(_q("table", "style-name")), text)
            c += n
        r += rows
    return out
