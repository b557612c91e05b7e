"""Tests de kit.validation et kit.schemas : cellules exactes, codes, messages, SCDL."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

from kit import schemas as schemas_mod
from kit.errors import DataError, ReadingDoubtWarning, SchemaError
from kit.io import load_table
from kit.schemas import list_schemas, load_schema
from kit.validation import match_columns, validate

SHARED = Path(__file__).resolve().parents[2] / "shared"
SCDL = SHARED / "data" / "scdl"


def _letters(i: int) -> str:
    out, i = "", i + 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def frame(data: dict[str, list], first_row: int = 2, file: str = "/tmp/essai.xlsx",
          sheet: str | None = "Feuil1") -> pd.DataFrame:
    """Petit tableau texte, comme le rend le chargeur, avec ses `attrs["source"]`."""
    df = pd.DataFrame(data, dtype=object)
    df.index = pd.RangeIndex(first_row, first_row + len(df), name="ligne")
    df.attrs["source"] = {"file": file, "sheet": sheet, "header_row": first_row - 1,
                          "columns": {c: _letters(i) for i, c in enumerate(df.columns)}}
    return df


def read_raw_csv(path: Path, encoding: str = "utf-8") -> pd.DataFrame:
    """CSV lu tel quel (texte brut), ce que voit aussi frictionless."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
    df.index = pd.RangeIndex(2, len(df) + 2, name="ligne")
    df.attrs["source"] = {"file": str(path), "sheet": None, "header_row": 1,
                          "columns": {c: _letters(i) for i, c in enumerate(df.columns)}}
    return df


def cells(report, niveau: str | None = None) -> list[tuple[str | None, str]]:
    p = report.problems if niveau is None else report.problems[
        report.problems["niveau"] == niveau]
    return list(zip(p["cellule"], p["code"], strict=True))


def field(name: str, type_: str = "string", **constraints) -> dict:
    f = {"name": name, "type": type_}
    if constraints:
        f["constraints"] = constraints
    return f


class TestMatchColumns:
    def test_tolerant_on_case_accents_spaces_underscores(self):
        fields = [{"name": "nomBeneficiaire"}, {"name": "date_notif"},
                  {"name": "montant", "title": "Montant total (€)"}, {"name": "absent"}]
        got = match_columns(["NOM_Beneficiaire", "Date Notif", "MONTANT TOTAL (€)", "x"], fields)
        assert got == {"nomBeneficiaire": "NOM_Beneficiaire", "date_notif": "Date Notif",
                       "montant": "MONTANT TOTAL (€)", "absent": None}

    def test_exact_name_wins_and_columns_used_once(self):
        fields = [{"name": "code"}, {"name": "Code"}]
        assert match_columns(["Code", "code"], fields) == {"code": "code", "Code": "Code"}
        assert match_columns(["CODE"], fields) == {"code": "CODE", "Code": None}


class TestCellErrors:
    def test_number_cells_and_message(self):
        df = frame({"commune": ["A", "B", "C"], "Montant": ["1234.5", "12/03/2024", "abc"]})
        r = validate(df, {"fields": [field("commune"), field("montant", "number")]})
        errors = r.errors
        assert list(zip(errors["cellule"], errors["ligne"], errors["code"])) == [
            ("B3", 3, "type"), ("B4", 4, "type")]
        assert errors.loc[0, "message"] == (
            "La cellule B3 (colonne « Montant ») contient « 12/03/2024 » : un nombre est "
            "attendu (ex. 1 234,50). Corrigez la valeur ou videz la cellule si elle est "
            "inconnue.")
        assert errors.loc[0, "fichier"] == "/tmp/essai.xlsx"
        assert errors.loc[0, "feuille"] == "Feuil1"
        assert r.mapping == {"commune": "commune", "montant": "Montant"}

    def test_placeholder_is_missing_not_type_error(self):
        df = frame({"a": ["nd", "secret", "5"], "b": ["nd", "", "3"]})
        schema = {"fields": [field("a", "number"), field("b", "number", required=True)]}
        r = validate(df, schema)
        assert cells(r, "erreur") == [("B2", "requis"), ("B3", "requis")]
        assert "valeur manquante codée" in r.errors.loc[0, "message"]
        assert "est vide alors que ce champ est obligatoire" in r.errors.loc[1, "message"]

    def test_integer_date_boolean_year_yearmonth(self):
        df = frame({"n": ["3", "2,5", "4"], "d": ["2024-01-31", "31/13/2024", "hier"],
                    "b": ["oui", "peut-être", "non"], "y": ["2024", "24 ans", "1999"],
                    "m": ["2024-03", "2024-13", "03/2024"]})
        schema = {"fields": [field("n", "integer"), field("d", "date"), field("b", "boolean"),
                             field("y", "year"), field("m", "yearmonth")]}
        r = validate(df, schema)
        assert cells(r, "erreur") == [("A3", "type"), ("B3", "type"), ("C3", "type"),
                                      ("D3", "type"), ("E3", "type"), ("B4", "type")]
        # « oui »/« non » et « 03/2024 » sont compris, mais pas écrits comme le demande le schéma
        assert cells(r, "avertissement") == [("C2", "format-non-standard"),
                                             ("C4", "format-non-standard"),
                                             ("E4", "format-non-standard")]

    def test_schema_boolean_values_are_standard(self):
        df = frame({"b": ["oui", "non", "vrai", "yes", "bof"]})
        f = {"name": "b", "type": "boolean", "trueValues": ["oui"], "falseValues": ["non"]}
        r = validate(df, {"fields": [f]})
        assert cells(r) == [("A4", "format-non-standard"), ("A5", "format-non-standard"),
                            ("A6", "type")]
        assert "« oui » ou « non »" in r.problems.loc[0, "message"]

    def test_constraints(self):
        df = frame({"code": ["A1", "A1", "b2", "C3"], "note": ["0", "21", "10", "-1"],
                    "lib": ["ab", "abcdef", "abc", "a"], "cat": ["x", "y", "z", "x"],
                    "mel": ["a@b.fr", "pas un mail", "", "c@d.org"],
                    "web": ["https://a.fr", "www.a.fr", "", ""]})
        schema = {"fields": [
            field("code", pattern="[A-Z]\\d", unique=True),
            field("note", "number", minimum=0, maximum=20),
            field("lib", minLength=2, maxLength=5),
            field("cat", enum=["x", "y"]),
            {"name": "mel", "type": "string", "format": "email"},
            {"name": "web", "type": "string", "format": "uri"},
        ]}
        r = validate(df, schema)
        assert cells(r) == [
            ("A2", "unicite"), ("A3", "unicite"), ("B3", "contrainte"), ("C3", "contrainte"),
            ("E3", "format"), ("F3", "format"), ("A4", "motif"), ("D4", "enum"),
            ("B5", "contrainte"), ("C5", "contrainte")]
        msg = dict(zip(r.problems["cellule"], r.problems["message"], strict=True))
        assert "inférieure ou égale à 20" in msg["B3"]
        assert "au plus 5 caractères" in msg["C3"]
        assert "Valeurs possibles : « x », « y »" in msg["D4"]
        assert "motif [A-Z]\\d" in msg["A4"]

    def test_typed_columns_from_loader(self):
        df = frame({"montant": [10.0, -2.5, None], "date": pd.to_datetime(
            ["2024-01-01", "2019-05-01", "2025-02-01"])})
        schema = {"fields": [field("montant", "number", minimum=0, required=True),
                             field("date", "date", minimum="2020-01-01")]}
        r = validate(df, schema)
        assert cells(r) == [("A3", "contrainte"), ("B3", "contrainte"), ("A4", "requis")]
        assert r.problems.loc[1, "valeur"] == "01/05/2019"

    def test_date_format_pattern_and_decimal_char(self):
        df = frame({"d": ["31/12/2024", "2024-12-31", "31.12.2024"],
                    "x": ["1,5", "1.5", "1 000,5"]})
        schema = {"fields": [{"name": "d", "type": "date", "format": "%d/%m/%Y"},
                             {"name": "x", "type": "number", "decimalChar": ",",
                              "groupChar": " "}]}
        r = validate(df, schema)
        assert r.ok
        assert cells(r) == [("A3", "format-non-standard"), ("B3", "format-non-standard"),
                            ("A4", "format-non-standard")]
        assert "JJ/MM/AAAA" in r.problems.loc[0, "message"]

    def test_missing_values_and_primary_key(self):
        df = frame({"id": ["1", "2", "1", "N/D"], "an": ["2023", "2023", "2023", "2024"]})
        schema = {"fields": [field("id", required=True), field("an", "year")],
                  "missingValues": ["", "N/D"], "primaryKey": ["id", "an"]}
        r = validate(df, schema)
        assert cells(r) == [("A2", "unicite"), ("A4", "unicite"), ("A5", "requis")]
        assert "« id » + « an »" in r.problems.loc[0, "message"]
        assert r.problems.loc[0, "valeur"] == "1 / 2023"

    def test_without_attrs(self):
        df = pd.DataFrame({"n": ["1", "x"]})
        r = validate(df, {"fields": [field("n", "number")]})
        assert r.errors[["cellule", "ligne", "colonne"]].values.tolist() == [[None, 1, "n"]]
        assert r.errors.loc[0, "message"].startswith("La ligne 1 (colonne « n ») contient « x »")
        assert r.errors.loc[0, "fichier"] is None


class TestColumns:
    def test_missing_and_extra_columns(self):
        df = frame({"nom": ["a"], "montnt": ["1"], "divers": ["z"]})
        schema = {"fields": [field("nom"), field("montant", "number", required=True),
                             field("commentaire")]}
        r = validate(df, schema)
        got = list(zip(r.problems["colonne"], r.problems["code"], r.problems["niveau"],
                       r.problems["cellule"], strict=True))
        assert got == [("montnt", "colonne-en-trop", "avertissement", "B1"),
                       ("divers", "colonne-en-trop", "avertissement", "C1"),
                       ("montant", "colonne-manquante", "erreur", None),
                       ("commentaire", "colonne-manquante", "avertissement", None)]
        msg = dict(zip(r.problems["code"] + r.problems["colonne"], r.problems["message"],
                       strict=True))
        assert "« montnt » est peut-être mal orthographiée" in msg["colonne-manquantemontant"]
        assert "Vouliez-vous dire « montant » ?" in msg["colonne-en-tropmontnt"]
        assert not r.ok
        assert r.summary["lignes_valides"] == 0  # chaque ligne manque d'une valeur obligatoire

    def test_renamed_header_and_duplicate(self):
        df = frame({"Nom Beneficiaire": ["a"], "nomBeneficiaire (2)": ["b"]})
        r = validate(df, {"fields": [field("nomBeneficiaire")]})
        assert cells(r) == [("A1", "nom-colonne"), ("B1", "colonne-en-double")]
        assert r.problems.loc[1, "niveau"] == "erreur"

    def test_unchecked_types_and_custom_checks(self):
        df = frame({"pt": ["[1,2]"], "siret": ["123"]})
        schema = {"fields": [{"name": "pt", "type": "geopoint"}, field("siret")],
                  "custom_checks": [{"name": "french-siret-value",
                                     "params": {"column": "siret"}}]}
        r = validate(df, schema)
        assert cells(r) == [("A1", "type-non-verifie")]
        assert r.ok
        assert r.unchecked == ["french-siret-value (siret)"]
        assert r.summary["controles_non_verifies"] == ["french-siret-value (siret)"]
        assert "non vérifié : french-siret-value (siret)" in r.to_text()


class TestReport:
    def test_summary(self):
        df = frame({"n": ["1", "x", "y", "4"], "m": ["", "1", "", "2"]})
        r = validate(df, {"fields": [field("n", "number"), field("m", required=True)]})
        assert r.summary["lignes"] == 4
        assert r.summary["lignes_valides"] == 1  # ligne 5 seulement
        assert r.summary["pct_lignes_valides"] == 25.0
        assert r.summary["erreurs"] == 4
        assert r.summary["par_code"] == {"type": 2, "requis": 2}
        text = r.to_text()
        assert "Fichier NON conforme" in text
        assert "4 erreur(s), 0 avertissement(s), 1 ligne(s) valide(s) sur 4 (25,0\u00a0%)" in text

    def test_valid_report(self):
        r = validate(frame({"n": ["1"]}), {"fields": [field("n", "integer")]})
        assert r.ok and bool(r) and r.errors.empty
        assert r.summary["pct_lignes_valides"] == 100.0
        assert "Fichier conforme au schéma." in r.to_text()

    def test_html_and_markdown_escape_values(self):
        df = frame({"n": ["<script>alert(1)</script>"]})
        r = validate(df, {"fields": [field("n", "number")]})
        for out in (r._repr_html_(), r._repr_markdown_()):
            assert "<script>" not in out
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out

    def test_rendering_caps_per_column_but_problems_keep_all(self):
        df = frame({"n": ["x"] * 50, "m": ["y"] * 50})
        r = validate(df, {"fields": [field("n", "number"), field("m", "number")]})
        assert len(r.problems) == 100
        text = r.to_text(max_per_column=5)
        assert text.count("[ERREUR]") == 10
        assert "… et 45 autre(s) problème(s) dans la colonne « n »" in text
        assert r._repr_html_(max_per_column=5).count("<tr>") == 11  # en-tête + 2 × 5

    def test_large_table_is_fast(self):
        n = 100_000
        df = pd.DataFrame({
            "code": [f"{i:05d}" for i in range(n)],
            "montant": ["1234.5"] * (n - 3) + ["abc", "", "-1"],
            "date": ["2024-01-31"] * (n - 1) + ["32/01/2024"],
            "nature": ["a", "b"] * (n // 2),
        })
        schema = {"fields": [field("code", pattern="\\d{5}", unique=True),
                             field("montant", "number", required=True, minimum=0),
                             field("date", "date"), field("nature", enum=["a", "b"])]}
        r = validate(df, schema)  # la vitesse se mesure dans benchmarks/, pas ici
        assert list(zip(r.errors["ligne"], r.errors["code"], strict=True)) == [
            (n - 3, "type"), (n - 2, "requis"), (n - 1, "contrainte"), (n - 1, "type")]


class TestSchemas:
    def test_load_dict_and_file(self, tmp_path):
        schema = {"fields": [field("a")]}
        path = tmp_path / "s.json"
        path.write_text(json.dumps(schema), encoding="utf-8")
        assert load_schema(schema) == schema
        assert load_schema(path) == schema
        assert load_schema(str(path)) == schema

    def test_kit_schema_by_name(self, tmp_path, monkeypatch):
        (tmp_path / "dechets.json").write_text(json.dumps({"fields": [field("t")]}), "utf-8")
        monkeypatch.setattr(schemas_mod, "SCHEMAS_DIR", tmp_path)
        assert list_schemas() == ["dechets"]
        assert load_schema("dechets")["fields"][0]["name"] == "t"
        with pytest.raises(SchemaError, match="Schémas disponibles : dechets"):
            load_schema("inconnu")

    @pytest.mark.parametrize("content, match", [
        ("{pas du json", "n'est pas un JSON valide"),
        ("[1, 2]", "doit être un objet JSON"),
        ('{"title": "x"}', "pas de liste « fields »"),
        ('{"fields": [{"type": "string"}]}', "n'a pas de « name »"),
        ('{"fields": [{"name": "a"}], "primaryKey": ["b"]}', "clé primaire"),
    ])
    def test_malformed(self, tmp_path, content, match):
        path = tmp_path / "s.json"
        path.write_text(content, encoding="utf-8")
        with pytest.raises(SchemaError, match=match):
            load_schema(path)

    def test_missing_file(self, tmp_path):
        with pytest.raises(SchemaError, match="Fichier de schéma introuvable"):
            load_schema(tmp_path / "absent.json")

    def test_bad_pattern(self):
        with pytest.raises(SchemaError, match="expression régulière invalide"):
            validate(frame({"a": ["x"]}), {"fields": [field("a", pattern="(")]})


@pytest.fixture
def scdl() -> Path:
    if not SCDL.is_dir():
        pytest.skip(f"../shared absent : {SCDL} introuvable")
    return SCDL


def frictionless_cells(path: Path, schema_path: Path, sync: bool = False,
                       encoding: str | None = None) -> set[tuple[int, str]]:
    """(ligne, champ) des erreurs de cellule trouvées par frictionless (référence externe)."""
    frictionless = pytest.importorskip("frictionless")
    schema = frictionless.Schema.from_descriptor(json.loads(schema_path.read_text("utf-8")))
    if sync:  # associer colonnes et champs par leur nom, pas par leur position
        schema.fields_match = "subset"
    resource = frictionless.Resource(path=path.name, basepath=str(path.parent), schema=schema,
                                     encoding=encoding)
    report = resource.validate()
    return {(e.row_number, e.field_name) for e in report.tasks[0].errors
            if getattr(e, "row_number", None) and getattr(e, "field_name", None)}


def our_cells(report, codes: set[str] | None = None) -> set[tuple[int, str]]:
    """(ligne, champ) des problèmes de cellule de notre rapport (erreurs + écritures non
    standard, car frictionless ne connaît pas la lecture « à la française »)."""
    field_of = {col: name for name, col in report.mapping.items() if col is not None}
    p = report.problems[report.problems["ligne"].notna()]
    keep = (p["niveau"] == "erreur") | (p["code"] == "format-non-standard")
    if codes is not None:
        keep = p["code"].isin(codes)
    return {(int(r), field_of[c]) for r, c in zip(p.loc[keep, "ligne"], p.loc[keep, "colonne"],
                                                  strict=True)}


# Différences assumées avec frictionless, toutes rendues en avertissement
# « format-non-standard » (la ligne reste valide) au lieu d'une erreur :
#   - dateConvention « 05/12/2016 » : date française jj/mm/aaaa, lisible sans ambiguïté ;
#   - notificationUE « no » / « yes » : booléens lisibles, mais le schéma veut « oui »/« non ».
# Les nombres « 100000,1 » et « 0,5 » restent des erreurs chez nous aussi : leurs colonnes
# écrivent les autres décimales avec un point (« 22000.80 »), la virgule y est donc ambiguë.
TOLERATED = {(5, "dateConvention"), (6, "notificationUE"), (8, "notificationUE")}


class TestScdlExamples:
    def test_valid_examples_are_valid(self, scdl):
        for csv, schema in [
            ("subventions/examples/exemple_valide.csv", "subventions/schema.json"),
            ("irve-statique/examples/exemple-valide-statique.csv", "irve-statique/schema.json"),
            ("irve-dynamique/examples/exemple-valide-dynamique.csv",
             "irve-dynamique/schema.json"),
        ]:
            r = validate(read_raw_csv(scdl / csv), scdl / schema)
            assert r.ok, (csv, r.errors["message"].tolist())
            assert r.summary["pct_lignes_valides"] == 100.0
            assert set(r.problems["code"]) <= {"type-non-verifie"}  # geopoint (IRVE statique)

    def test_cell_errors_match_frictionless(self, scdl):
        csv = scdl / "subventions/examples/exemple_invalide_erreurs_cellules.csv"
        schema = scdl / "subventions/schema.json"
        expected = frictionless_cells(csv, schema)
        assert len(expected) == 15  # 10 contraintes + 5 types, d'après le README
        r = validate(read_raw_csv(csv), schema)
        assert our_cells(r) == expected
        errors = our_cells(r, {"type", "requis", "contrainte", "enum", "motif", "unicite"})
        assert errors == expected - TOLERATED
        assert our_cells(r, {"format-non-standard"}) == TOLERATED
        assert set(r.errors["cellule"]) >= {"O2", "G5", "I6", "B7", "L8", "O9", "I10", "J16"}
        # dispositifAide (facultatif) manque : avertissement chez nous, erreur chez frictionless
        missing = r.problems[r.problems["code"] == "colonne-manquante"]
        assert missing[["colonne", "niveau"]].values.tolist() == [
            ["dispositifAide", "avertissement"]]
        assert r.summary["controles_non_verifies"] == [
            "french-siret-value (idAttribuant)", "french-siret-value (idBeneficiaire)",
            "one-of-required (idBeneficiaire, rnaBeneficiaire)"]

    def test_column_errors_match_frictionless_by_name(self, scdl):
        # frictionless compare par position : avec idAttribuant et nomAttribuant échangés, il
        # signale 29 motifs SIRET faux. Comparé par nom (schema_sync), il trouve les mêmes
        # cellules que nous ; seul « NOM_Beneficiaire » diffère : nous le reconnaissons
        # (avertissement « nom-colonne »), frictionless le déclare absent.
        csv = scdl / "subventions/examples/exemple_invalide_erreurs_colonnes.csv"
        schema = scdl / "subventions/schema.json"
        expected = frictionless_cells(csv, schema, sync=True)
        r = validate(read_raw_csv(csv), schema)
        assert our_cells(r) == expected
        assert our_cells(r, {"format-non-standard"}) == TOLERATED
        assert r.mapping["nomBeneficiaire"] == "NOM_Beneficiaire"
        assert ("E1", "nom-colonne") in cells(r)
        assert ("A7", "motif") in cells(r)  # le SIRET à 9 chiffres, en colonne A ici

    def test_regulatory_2017_format(self, scdl):
        csv = scdl / "subventions/examples/format-reglementaire-etalab_exemple.csv"
        schema = scdl / "subventions/schema.json"
        r = validate(read_raw_csv(csv), schema)
        assert our_cells(r) == frictionless_cells(csv, schema, sync=True) == {
            (2, "datesPeriodeVersement"), (3, "datesPeriodeVersement")}
        assert cells(r, "erreur") == [("K2", "motif"), ("K3", "motif")]

    def test_duplicate_column(self, scdl):
        csv = scdl / "subventions/examples/exemple-duplicate-column.csv"
        r = validate(read_raw_csv(csv, encoding="cp1252"), scdl / "subventions/schema.json")
        assert cells(r, "erreur") == [("N1", "colonne-en-double")]
        missing = r.problems[r.problems["code"] == "colonne-manquante"]["colonne"].tolist()
        assert missing == ["rnaBeneficiaire", "dispositifAide"]

    def test_corrupted_copy(self, scdl, tmp_path):
        src = scdl / "subventions/examples/exemple_valide.csv"
        df = pd.read_csv(src, dtype=str, keep_default_na=False)
        df.loc[3, "dateConvention"] = "2016-13-45"     # ligne 5 du fichier, colonne C
        df.loc[5, "idAttribuant"] = "2106000450039"    # SIRET à 13 chiffres, ligne 7, col. B
        df.loc[7, "montant"] = "-1500"                 # ligne 9, colonne I
        df.loc[10, "pourcentageSubvention"] = "-0.2"   # ligne 12, colonne O
        bad = tmp_path / "subventions_abimees.csv"
        df.to_csv(bad, index=False)
        schema = json.loads((scdl / "subventions/schema.json").read_text("utf-8"))
        # le schéma SCDL n'interdit pas un montant négatif : règle maison ajoutée ici
        next(f for f in schema["fields"] if f["name"] == "montant")["constraints"]["minimum"] = 0
        r = validate(read_raw_csv(bad), schema)
        assert cells(r, "erreur") == [("C5", "type"), ("B7", "motif"), ("I9", "contrainte"),
                                      ("O12", "contrainte")]
        assert r.summary["lignes_valides"] == 29 - 4
        msg = r.errors.set_index("cellule")["message"]
        assert msg["I9"] == ("La cellule I9 (colonne « montant ») contient « -1500 » : la valeur "
                             "doit être supérieure ou égale à 0. Corrigez la valeur.")
        assert "(ex. 23350001600040)" in msg["B7"]


class TestWithLoader:
    """Même contrôle, fichier lu par `kit.io.load_table` comme dans la vraie vie."""

    def test_cells_file(self, scdl):
        from kit.io import load_table

        csv = scdl / "subventions/examples/exemple_invalide_erreurs_cellules.csv"
        schema = scdl / "subventions/schema.json"
        r = validate(load_table(csv), schema)
        # Le chargeur convertit une colonne entière dès que toutes ses cellules se lisent :
        # « 05/12/2016 » devient une date, « yes »/« no » des booléens ; ces 3 cellules ne sont
        # alors plus visibles du validateur (ni erreur ni avertissement).
        assert our_cells(r) == frictionless_cells(csv, schema) - TOLERATED
        assert r.summary["fichier"] == str(csv)

    def test_cells_file_with_schema(self, scdl):
        from kit.io import load_table

        csv = scdl / "subventions/examples/exemple_invalide_erreurs_cellules.csv"
        schema = scdl / "subventions/schema.json"
        r = validate(load_table(csv, schema=schema), schema)
        assert ("B7", "motif") in cells(r)

    def test_sample_files_report_expected_errors(self, tmp_path):
        samples = pytest.importorskip("tools.samples")
        from kit.io import load_table

        samples.generate_samples(tmp_path)
        traps = json.loads((tmp_path / "pieges.json").read_text("utf-8"))
        checked = 0
        for info in traps["notes"]["fichiers"].values():
            df = load_table(tmp_path / info["fichier"], sheet=info.get("feuille"),
                            schema=info["schema"])
            r = validate(df, info["schema"])
            found = set(zip(r.errors["cellule"], r.errors["code"], strict=True))
            expected = {(e["cellule"], e["code"]) for e in traps["erreurs_attendues"]
                        if e["fichier"] == info["fichier"]
                        and e["feuille"] in (None, info.get("feuille"))}
            assert expected <= found, info["fichier"]
            assert r.ok == (not expected), (info["fichier"], r.errors["message"].tolist())
            checked += len(expected)
        assert checked == len(traps["erreurs_attendues"])


def test_duplicate_and_non_text_labels():
    df = pd.DataFrame([["1", "2"]], columns=["a", "a"])
    with pytest.raises(DataError, match=r"plusieurs colonnes nommées \['a'\]"):
        validate(df, {"fields": [field("a")]})
    r = validate(pd.DataFrame({2024: ["x"]}), {"fields": [field("2024", "number")]})
    assert r.errors["code"].tolist() == ["type"]


class TestLignesPerdues:
    """Une ligne écartée ou recomposée par le lecteur ne disparaît jamais du rapport."""

    SCHEMA = {"fields": [{"name": "code", "type": "string"}, {"name": "libelle", "type": "string"},
                         {"name": "montant", "type": "number"}]}

    def test_ligne_rejetee_est_une_erreur(self, tmp_path) -> None:
        # Ligne 3 : six champs pour trois colonnes ; le fichier a 3 enregistrements (compté à
        # la main), dont un perdu : 2 valides sur 3, et jamais « conforme ».
        path = tmp_path / "r.csv"
        path.write_text("code;libelle;montant\n01001;a;10\n01002;b;20;x;y;z\n01003;c;30\n",
                        encoding="utf-8")
        report = validate(load_table(path), self.SCHEMA)
        assert not report.ok
        lost = report.problems[report.problems["code"] == "ligne-rejetee"]
        assert lost["ligne"].tolist() == [3]
        assert report.summary["lignes"] == 3 and report.summary["lignes_valides"] == 2
        assert "conforme au schéma." not in report.to_text().splitlines()[2]
        assert "100,0" not in report.to_text()

    def test_ligne_recomposee_est_signalee(self, tmp_path) -> None:
        path = tmp_path / "r.csv"
        path.write_text("code;montant\n01001;10\n01002;20;999\n01003;30\n", encoding="utf-8")
        report = validate(load_table(path), {"fields": [{"name": "code", "type": "string"},
                                                        {"name": "montant", "type": "number"}]})
        warned = report.problems[report.problems["code"] == "ligne-reparee"]
        assert warned["ligne"].tolist() == [3]
        assert "Vérifiez" in warned["message"].iloc[0]

    def test_guillemet_non_ferme_rend_les_lignes_avalees(self, tmp_path) -> None:
        # Ligne 3 : « "b » ouvre un guillemet jamais fermé. Lu tel quel, il avale les lignes 4
        # et 5 (un seul enregistrement). Attendu, à la main : 4 enregistrements, somme 100.
        path = tmp_path / "q.csv"
        path.write_text('code;libelle;montant\n01001;a;10\n01002;"b;20\n01003;c;30\n'
                        "01004;d;40\n", encoding="utf-8")
        with pytest.warns(ReadingDoubtWarning, match="guillemet jamais fermé"):
            df = load_table(path)
        assert df["code"].tolist() == ["01001", "01002", "01003", "01004"]
        assert df["libelle"].tolist() == ["a", "b", "c", "d"]
        assert df["montant"].sum() == 100
        assert df.attrs["source"]["unclosed_quotes"] == [3]
        report = validate(df, self.SCHEMA)
        flagged = report.problems[report.problems["code"] == "guillemet-non-ferme"]
        assert flagged["ligne"].tolist() == [3]

    def test_guillemet_apparie_plus_loin(self, tmp_path) -> None:
        # le guillemet ouvert ligne 2 se referme ligne 4 (« "x" ») : les lignes 2 à 4 ne font
        # qu'un enregistrement pour le module csv ; attendu à la main : 4 enregistrements
        path = tmp_path / "q.csv"
        path.write_text('code;libelle;montant\n01001;"a;10\n01002;b;20\n01003;"c";30\n'
                        "01004;d;40\n", encoding="utf-8")
        with pytest.warns(ReadingDoubtWarning):
            df = load_table(path)
        assert df["code"].tolist() == ["01001", "01002", "01003", "01004"]
        assert df["montant"].sum() == 100

    def test_adresse_sur_plusieurs_lignes_reste_une_cellule(self, tmp_path) -> None:
        # une cellule légitime sur deux lignes (adresse), sans séparateur : pas un guillemet
        # non fermé
        path = tmp_path / "a.csv"
        path.write_text('code;adresse;montant\n01001;"1 rue Haute\nBP 12";10\n'
                        "01002;2 rue Basse;20\n01003;3 place;30\n", encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("error", ReadingDoubtWarning)
            df = load_table(path)
        assert df["adresse"].tolist()[0] == "1 rue Haute\nBP 12"
        assert len(df) == 3 and not df.attrs["source"]["unclosed_quotes"]

    def test_guillemets_partout_lus_en_temps_lineaire(self, tmp_path) -> None:
        # 2 000 lignes qui ouvrent chacune un guillemet (des pouces : 12" ) : au-delà de 50,
        # le reste est lu sans guillemets d'un coup ; toutes les lignes sont là
        lines = ["code;libelle;montant"] + [f'{i:05d};"tube {i};{i}' for i in range(2000)]
        path = tmp_path / "p.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ReadingDoubtWarning)
            df = load_table(path)
        assert len(df) == 2000
        assert df["montant"].sum() == sum(range(2000))
