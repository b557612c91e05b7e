"""Tests des modèles Excel du diagnostic (kit.templates) et du contenu du questionnaire."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import kit
from kit.errors import DataError
from kit.schemas import load_schema
from kit.templates import (
    TEMPLATES,
    TEMPLATES_DIR,
    build_templates,
    main,
    read_identification,
    read_template_version,
    write_questionnaire,
    write_template,
)
from kit.templates import _maturity_content as content

DATA_SHEET = {"questionnaire_maturite": "Questionnaire", "feuille_de_route": "Actions et jalons"}
VALID_ROWS = {
    "inventaire_donnees": [
        {"identifiant": "EAU-RESEAU", "titre": "Réseau d'eau potable",
         "description": "Canalisations, vannes et branchements.",
         "service_producteur": "Eau et assainissement", "contact": "eau@clairval.exemple.fr",
         "detenteur": "Délégataire (DSP)", "nom_delegataire": "Société des eaux (fictive)",
         "outil": "SIG du délégataire", "format": "SIG (shp, GeoPackage)", "volume": 12500,
         "frequence_maj": "Annuelle", "date_derniere_maj": dt.date(2025, 3, 31),
         "mode_acces": "Export manuel", "clauses_donnees_dsp": "oui",
         "donnees_personnelles": False, "qualite": 3, "licence": "Licence Ouverte-LO",
         "jeux_croises": "EAU-COMPTEURS", "cas_usage": "Pilotage du renouvellement"},
        {"identifiant": "CCAS-AIDES", "titre": "Aides facultatives",
         "service_producteur": "CCAS", "detenteur": "Service", "mode_acces": "Interne",
         "donnees_personnelles": True, "reference_registre": "RT-004", "qualite": 2,
         "date_derniere_maj": dt.date(2025, 1, 6)},
    ],
    "registre_traitements": [
        {"reference": "RT-004", "traitement": "Aides facultatives du CCAS",
         "finalite": "Instruire les demandes d'aide", "base_legale": "Mission d'intérêt public",
         "categories_donnees": "État civil, coordonnées, ressources",
         "donnees_sensibles": False, "personnes_concernees": "Demandeurs",
         "destinataires": "CCAS", "duree_conservation": "5 ans après la dernière aide",
         "mesures_securite": "Habilitations", "responsable": "CCAS",
         "date_mise_a_jour": dt.date(2025, 2, 1)},
    ],
    "competences_agents": [
        {"matricule": "A0001", "nom": "Durand", "prenom": "Camille", "direction": "Finances",
         "service": "Budget", "poste": "Gestionnaire", "tableur": 4, "sig": 1,
         "adresse_e_mail": "c.durand@clairval.exemple.fr", "analyse_de_donnees": 2,
         "protection_des_donnees_rgpd": 2, "programmation_python_r": 1, "visualisation": 3},
        {"matricule": "A0002", "nom": "Petit", "prenom": "Sami", "direction": "Technique"},
    ],
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("modeles")
    build_templates(dest)
    return dest


def _letter(fields: list[dict], name: str) -> str:
    return openpyxl.utils.get_column_letter([f["name"] for f in fields].index(name) + 1)


def _validations(ws) -> dict[str, object]:
    """Contrôle de saisie par lettre de colonne (une seule plage par contrôle)."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        ref = str(dv.sqref)
        out[re.match(r"[A-Z]+", ref).group()] = dv
    return out


def _list_values(wb, dv) -> list[str]:
    formula = dv.formula1
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet, rng = formula.split("!")
    ws = wb[sheet.strip("'")]
    return [str(c.value) for row in ws[rng.replace("$", "")] for c in row]


def _fill(path: Path, sheet: str, cells: dict[str, object]) -> Path:
    wb = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        wb[sheet][ref] = value
    wb.save(path)
    return path


class TestBuildTemplates:
    def test_same_bytes_as_committed(self, generated: Path) -> None:
        committed = {p.name for p in TEMPLATES_DIR.iterdir() if p.name != "README.md"}
        assert committed == {p.name for p in generated.iterdir()}
        for name in committed:
            assert (generated / name).read_bytes() == (TEMPLATES_DIR / name).read_bytes(), name

    def test_schema_copied_beside_each_template(self, generated: Path) -> None:
        for stem, schema in TEMPLATES.items():
            assert load_schema(generated / f"{stem}.schema.json") == load_schema(schema)

    def test_main_writes_into_folder(self, tmp_path: Path, capsys) -> None:
        assert main([str(tmp_path / "sortie")]) == 0
        assert (tmp_path / "sortie" / "questionnaire_maturite.xlsx").is_file()
        assert "écrit" in capsys.readouterr().out

    def test_main_help_in_french(self, capsys) -> None:
        with pytest.raises(SystemExit):
            main(["--help"])
        assert "utilisation" in capsys.readouterr().out


@pytest.mark.parametrize("stem", list(TEMPLATES))
class TestTemplateStructure:
    def test_first_sheet_frozen_header_titles(self, generated: Path, stem: str) -> None:
        schema = load_schema(TEMPLATES[stem])
        wb = openpyxl.load_workbook(generated / f"{stem}.xlsx")
        ws = wb.worksheets[0]
        assert ws.title == DATA_SHEET.get(schema["name"], "Données")
        assert ws.freeze_panes in ("A2", "D2")
        titles = [c.value for c in ws[1]]
        assert titles == [f.get("title") or f["name"] for f in schema["fields"]]
        assert all(c.font.bold for c in ws[1])
        assert ws["A1"].comment is not None

    def test_validation_for_each_constrained_field(self, generated: Path, stem: str) -> None:
        schema = load_schema(TEMPLATES[stem])
        wb = openpyxl.load_workbook(generated / f"{stem}.xlsx")
        ws = wb.worksheets[0]
        dvs = _validations(ws)
        for f in schema["fields"]:
            cons = f.get("constraints", {})
            letter = _letter(schema["fields"], f["name"])
            dv = dvs.get(letter)
            if "enum" in cons:
                assert dv.type == "list" and _list_values(wb, dv) == cons["enum"], f["name"]
            elif f["type"] == "boolean":
                assert dv.type == "list"
                assert _list_values(wb, dv) == [f["trueValues"][0], f["falseValues"][0]]
            elif f["name"] in ("reponse", "niveau_cible"):
                assert dv.type == "list" and _list_values(wb, dv) == list("12345")
            elif f["type"] == "integer" and ("minimum" in cons or "maximum" in cons):
                assert dv.type == "whole", f["name"]
                assert dv.formula1 == str(cons.get("minimum", -10**15))
                if "maximum" in cons:
                    assert dv.formula2 == str(cons["maximum"])
            elif f["type"] == "number":  # un nombre décimal, borné ou non
                assert dv.type == "decimal", f["name"]
            elif f["type"] == "date":
                assert dv.type == "date" and "jj/mm/aaaa" in dv.error
            else:
                assert dv is None, f["name"]
                continue
            assert str(dv.sqref).startswith(f"{letter}2:{letter}")
            assert int(str(dv.sqref).split(":")[1][len(letter):]) >= 101
            assert dv.showErrorMessage and dv.error and dv.errorTitle
            assert len(dv.error) <= 255 and len(dv.errorTitle) <= 32

    def test_guide_sheet_with_version(self, generated: Path, stem: str) -> None:
        schema = load_schema(TEMPLATES[stem])
        path = generated / f"{stem}.xlsx"
        wb = openpyxl.load_workbook(path)
        guide = wb["Mode d'emploi"]
        line = f"Modèle {schema['name']}, version {schema['version']}"
        assert guide["A2"].value.startswith(line)
        column_names = [c.value for row in guide.iter_rows() for c in row if c.column == 1]
        assert all((f.get("title") or f["name"]) in column_names for f in schema["fields"])
        props = {p.name: p.value for p in wb.custom_doc_props}
        assert props["kit_modele"] == schema["name"]
        assert props["kit_version"] == schema["version"]
        info = read_template_version(path)
        assert (info["modele"], info["version"]) == (schema["name"], schema["version"])
        assert wb.sheetnames.index("Mode d'emploi") > 0
        if "Listes" in wb.sheetnames:
            assert wb["Listes"].sheet_state == "hidden" and wb.sheetnames[-1] == "Listes"

    def test_empty_template_loads_cleanly(self, generated: Path, stem: str) -> None:
        schema = TEMPLATES[stem]
        df = kit.load_table(generated / f"{stem}.xlsx", schema=schema)
        report = kit.validate(df, schema)
        assert report.ok and report.errors.empty
        assert list(df.columns) == [f["name"] for f in load_schema(schema)["fields"]]


class TestWriteTemplate:
    @pytest.mark.parametrize("schema", list(VALID_ROWS))
    def test_valid_rows_validate_cleanly(self, tmp_path: Path, schema: str) -> None:
        path = write_template(schema, tmp_path / f"{schema}.xlsx", VALID_ROWS[schema])
        df = kit.load_table(path, schema=schema)
        report = kit.validate(df, schema)
        assert report.ok, report.to_text()
        assert len(report.errors) == 0 and len(report.warnings) == 0
        assert len(df) == len(VALID_ROWS[schema])

    def test_bad_enum_and_out_of_range_reported_at_their_cell(self, tmp_path: Path) -> None:
        rows = [dict(r) for r in VALID_ROWS["inventaire_donnees"]]
        rows[0]["qualite"] = 5  # au-delà de 4
        rows[1]["detenteur"] = "Delegataire (DSP)"  # accent oublié
        path = write_template("inventaire_donnees", tmp_path / "faux.xlsx", rows)
        report = kit.validate(kit.load_table(path, schema="inventaire_donnees"),
                              "inventaire_donnees")
        errors = report.errors
        assert sorted(zip(errors["cellule"], errors["code"])) == [("F3", "enum"),
                                                                  ("Q2", "contrainte")]
        assert set(errors["feuille"]) == {"Données"}

    def test_values_written_as_given(self, tmp_path: Path) -> None:
        frame = pd.DataFrame({
            "identifiant": ["EAU-1", "=1+1"], "volume": [12.0, float("nan")],
            "date_derniere_maj": pd.to_datetime(["2025-03-31", None]),
            "donnees_personnelles": [True, False], "qualite": [5, 1]})
        path = write_template("inventaire_donnees", tmp_path / "a.xlsx", frame,
                              sheet_name="Inventaire", title="Inventaire du service eau")
        wb = openpyxl.load_workbook(path)
        ws = wb["Inventaire"]
        assert wb.sheetnames[0] == "Inventaire"
        assert ws["J2"].value == 12 and isinstance(ws["J2"].value, int)
        assert ws["J3"].value is None
        assert ws["L2"].value == dt.datetime(2025, 3, 31)
        assert ws["L2"].number_format == "DD/MM/YYYY"
        assert (ws["O2"].value, ws["O3"].value) == ("oui", "non")
        assert ws["Q2"].value == 5
        assert ws["A3"].value == "=1+1" and ws["A3"].data_type == "s"
        assert wb["Mode d'emploi"]["A1"].value == "Inventaire du service eau"

    def test_unknown_column_refused(self, tmp_path: Path) -> None:
        with pytest.raises(DataError, match="absentes du schéma.*volumee"):
            write_template("inventaire_donnees", tmp_path / "a.xlsx", [{"volumee": 3}])

    def test_deterministic(self, tmp_path: Path) -> None:
        rows = VALID_ROWS["inventaire_donnees"]
        a = write_template("inventaire_donnees", tmp_path / "a.xlsx", rows).read_bytes()
        b = write_template("inventaire_donnees", tmp_path / "b.xlsx", rows).read_bytes()
        assert a == b


class TestMaturityContent:
    def test_axes_match_schema_enum(self) -> None:
        schema = load_schema("questionnaire_maturite")
        enum = next(f for f in schema["fields"] if f["name"] == "axe")["constraints"]["enum"]
        assert [label for _, label in content.AXES] == enum
        assert [code for code, _ in content.AXES] == ["GOV", "ORG", "OUT", "QUA", "RGPD",
                                                       "OUV", "CIT", "COOP", "EVA", "MOY"]

    def test_three_complete_questions_per_axis(self) -> None:
        assert len(content.QUESTIONS) == 30 and len(content.QUESTIONS_V1) == 24
        labels = dict(content.AXES)
        for code, label in content.AXES:
            mine = [q for q in content.QUESTIONS if q["axe"] == label]
            assert [q["code"] for q in mine] == [f"{code}-{i}" for i in (1, 2, 3)]
        for q in content.QUESTIONS:
            assert q["axe"] in labels.values()
            assert re.fullmatch(r"[A-Z]{2,4}-\d{1,2}", q["code"])
            assert q["question"].strip().endswith("?")
            levels = [q[f"niveau_{i}"].strip() for i in range(1, 6)]
            assert all(len(t) > 20 for t in levels) and len(set(levels)) == 5, q["code"]
            assert len(q["action_amelioration"]) > 40

    def test_keys_are_schema_fields(self) -> None:
        names = {f["name"] for f in load_schema("questionnaire_maturite")["fields"]}
        assert all(set(q) <= names for q in content.QUESTIONS)


class TestQuestionnaire:
    def test_generated_questionnaire(self, generated: Path) -> None:
        path = generated / "questionnaire_maturite.xlsx"
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames[:3] == ["Questionnaire", "Identification", "Mode d'emploi"]
        df = kit.load_table(path, sheet="Questionnaire", schema="questionnaire_maturite")
        assert len(df) == 30 and df["reponse"].isna().all()
        assert df["axe"].nunique() == 10
        assert wb["Questionnaire"]["C2"].alignment.wrap_text
        props = {p.name: p.value for p in wb.custom_doc_props}
        assert props["kit_version_contenu"] == content.CONTENT_VERSION

    def test_valid_answers_validate_cleanly(self, tmp_path: Path) -> None:
        answers = {q["code"]: (i % 5 + 1, 5) for i, q in enumerate(content.QUESTIONS)}
        answers["GOV-2"] = 3
        path = write_questionnaire(tmp_path / "q.xlsx", collectivite="Clairval",
                                   service="Eau", campagne=dt.date(2025, 3, 14),
                                   answers=answers)
        df = kit.load_table(path, sheet="Questionnaire", schema="questionnaire_maturite")
        report = kit.validate(df, "questionnaire_maturite")
        assert report.ok and len(report.errors) == 0 and len(report.warnings) == 0
        gov = df.set_index("code")
        assert int(gov.loc["GOV-1", "reponse"]) == 1 and int(gov.loc["GOV-1", "niveau_cible"]) == 5
        assert int(gov.loc["GOV-2", "reponse"]) == 3 and pd.isna(gov.loc["GOV-2", "niveau_cible"])

    def test_out_of_range_answer_reported_at_its_cell(self, tmp_path: Path) -> None:
        path = write_questionnaire(tmp_path / "q.xlsx", answers={"GOV-3": 7, "ORG-1": 2})
        report = kit.validate(
            kit.load_table(path, sheet="Questionnaire", schema="questionnaire_maturite"),
            "questionnaire_maturite")
        assert list(zip(report.errors["cellule"], report.errors["code"])) == [
            ("I4", "contrainte")]

    def test_unknown_question_code(self, tmp_path: Path) -> None:
        with pytest.raises(DataError, match="XYZ-1"):
            write_questionnaire(tmp_path / "q.xlsx", answers={"XYZ-1": 3})

    def test_custom_questions(self, tmp_path: Path) -> None:
        questions = [dict(content.QUESTIONS[0], question="Question adaptée ?")]
        path = write_questionnaire(tmp_path / "q.xlsx", questions=questions)
        df = kit.load_table(path, sheet="Questionnaire", schema="questionnaire_maturite")
        assert df["question"].tolist() == ["Question adaptée ?"]


class TestIdentification:
    def test_read_values(self, tmp_path: Path) -> None:
        path = write_questionnaire(tmp_path / "q.xlsx", collectivite="Clairval",
                                   service="Groupe de travail", campagne=dt.date(2025, 3, 14))
        _fill(path, "Identification", {"B5": "Cheffe de service", "B6": "direction"})
        assert read_identification(path) == {
            "collectivite": "Clairval", "service": "Groupe de travail",
            "campagne": dt.date(2025, 3, 14), "fonction": "Cheffe de service",
            "profil": "direction"}

    def test_loads_as_two_column_table(self, tmp_path: Path) -> None:
        path = write_questionnaire(tmp_path / "q.xlsx", service="Eau",
                                   campagne=dt.date(2025, 3, 14))
        df = kit.load_table(path, sheet="Identification")
        # collectivité, service, date, fonction, profil du répondant (version 1.1.0)
        assert list(df.columns) == ["Champ", "Valeur"] and len(df) == 5
        assert df.loc[df["Champ"].str.startswith("Service"), "Valeur"].iloc[0] == "Eau"

    def test_text_date_accepted(self, tmp_path: Path) -> None:
        path = _fill(write_questionnaire(tmp_path / "q.xlsx"), "Identification",
                     {"B4": "14/03/2025"})
        assert read_identification(path)["campagne"] == dt.date(2025, 3, 14)

    def test_empty_date_is_none(self, tmp_path: Path) -> None:
        assert read_identification(write_questionnaire(tmp_path / "q.xlsx"))["campagne"] is None

    def test_unreadable_date(self, tmp_path: Path) -> None:
        path = _fill(write_questionnaire(tmp_path / "q.xlsx"), "Identification",
                     {"B4": "mi-mars"})
        with pytest.raises(DataError, match=r"illisible.*q\.xlsx.*Identification.*B4") as exc:
            read_identification(path)
        assert "jj/mm/aaaa" in str(exc.value)

    def test_missing_sheet(self, tmp_path: Path) -> None:
        path = write_template("inventaire_donnees", tmp_path / "inv.xlsx")
        with pytest.raises(DataError, match=r"inv\.xlsx.*pas de feuille « Identification »"):
            read_identification(path)


class TestTemplateVersion:
    def test_falls_back_to_guide_sheet(self, tmp_path: Path) -> None:
        path = write_template("registre_traitements", tmp_path / "r.xlsx")
        wb = openpyxl.load_workbook(path)
        wb.custom_doc_props.props.clear()
        wb.save(path)
        assert read_template_version(path) == {"modele": "registre_traitements",
                                               "version": "1.0.0"}

    def test_foreign_file(self, tmp_path: Path) -> None:
        path = tmp_path / "autre.xlsx"
        wb = openpyxl.Workbook()
        wb.active["A1"] = "x"
        wb.save(path)
        assert read_template_version(path) is None


def test_libreoffice_roundtrip(generated: Path, tmp_path: Path) -> None:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice (soffice) absent de cette machine : conversion en .ods non "
                    "testée")
    subprocess.run([office, "--headless", "--convert-to", "ods", "--outdir", str(tmp_path),
                    str(generated / "inventaire_donnees.xlsx")], check=True, timeout=180,
                   capture_output=True)
    ods = tmp_path / "inventaire_donnees.ods"
    df = kit.load_table(ods, schema="inventaire_donnees")
    assert kit.validate(df, "inventaire_donnees").ok
    assert read_template_version(ods)["version"] == load_schema("inventaire_donnees")["version"]
