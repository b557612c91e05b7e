"""Fichiers réels du deuxième lot (../shared/data/real) : chaque table attendue est établie ici
indépendamment du kit (module csv, python-calamine), puis comparée à `load_table`.

Les règles du chargeur sont générales : aucun test ne dépend d'un réglage propre à un fichier.
"""

from __future__ import annotations

import csv
import re
import unicodedata
import warnings
from pathlib import Path

import pandas as pd
import pytest
import python_calamine as pc

import kit

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"

if not REAL.is_dir():
    pytest.skip(f"../shared absent : {REAL} introuvable (fichiers réels du lot 2)",
                allow_module_level=True)

_CACHE: dict[tuple, pd.DataFrame] = {}


def load(name: str, sheet: str | None = None) -> pd.DataFrame:
    if (name, sheet) not in _CACHE:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", kit.ReadingDoubtWarning)
            _CACHE[name, sheet] = kit.load_table(REAL / name, sheet=sheet)
    return _CACHE[name, sheet]


def norm(text: object) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def col(df: pd.DataFrame, label: str) -> str:
    """Colonne du tableau dont le libellé normalisé vaut `label` (casse, accents ignorés)."""
    found = [c for c in df.columns if norm(c) == norm(label)]
    assert found, f"colonne {label!r} absente : {list(df.columns)}"
    return found[0]


def csv_rows(name: str, sep: str = ";", encoding: str = "utf-8-sig") -> list[list[str]]:
    with open(REAL / name, newline="", encoding=encoding) as f:
        return list(csv.reader(f, delimiter=sep))


def csv_column(rows: list[list[str]], label: str) -> list[str]:
    j = [norm(h) for h in rows[0]].index(norm(label))
    return [r[j] for r in rows[1:] if len(r) > j]


def number(text: str) -> float:
    """Nombre écrit en texte, lu à la main : espaces de milliers, virgule décimale."""
    text = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    return float(text) if text else 0.0


def sheet_rows(name: str, sheet: str) -> list[list]:
    wb = pc.CalamineWorkbook.from_path(str(REAL / name))
    return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


# --- INSEE, estimations de population (xls, en-tête sur deux lignes, sous-totaux sans mot
# de total) -----------------------------------------------------------------------------------

POP = "insee_estim-pop-dep-sexe-gca-1975-2021.xls"


@pytest.mark.parametrize("sheet", ["2021", "1985"])
def test_insee_population_header_records_and_totals(sheet):
    rows = sheet_rows(POP, sheet)
    # à la main, d'après python-calamine : données = lignes 6 et suivantes dont la colonne B
    # (nom du département) est remplie ; les totaux (« France métropolitaine », « DOM »…) ont
    # la colonne B vide (fusion A:B). Colonne H = « Ensemble - Total », N = « Hommes - Total ».
    records = [r for r in rows[5:] if not blank(r[1])]
    df = load(POP, sheet)
    src = df.attrs["source"]
    assert src["header_row"] == 4 and src["header_rows"] == 2
    assert len(df) == len(records) == {"2021": 101, "1985": 96}[sheet]
    assert df[col(df, "Ensemble - Total")].sum() == sum(r[7] for r in records)
    assert df[col(df, "Hommes - Total")].sum() == sum(r[13] for r in records)
    codes = df.iloc[:, 0].tolist()
    assert {"01", "2A", "2B", "95"} <= set(codes)
    # totaux écartés, chacun vérifié par le calcul
    totals = [t for t in src["totals"]]
    assert totals and all(t["verifie"] for t in totals)
    if sheet == "2021":
        assert [t["ligne"] for t in totals] == [102, 108, 109]
        # la ligne 109 du fichier vaut la somme des 101 départements
        assert rows[108][7] == sum(r[7] for r in records) == 67422241
    assert not kit.describe_reading(df).doubts


def test_insee_population_total_columns_verified():
    df = load(POP, "2021")
    checked = {c["colonne"]: c for c in df.attrs["source"]["total_columns"]}
    assert checked[col(df, "Hommes - Total")]["verifie"]
    assert checked[col(df, "Ensemble - Total")]["verifie"]


# --- INSEE, comptes des APU (xlsx, en-tête d'années sans libellé de code) -------------------

APU = "insee_T_7301_compte_APU.xlsx"


def test_insee_apu_years_header_and_sections():
    rows = sheet_rows(APU, "T_7301")
    header = [str(v) for v in rows[3]]
    j2024 = header.index("2024")
    # lignes de comptes : un code en colonne A, hors notes (« Notes : », « (*) », « Source »)
    accounts = [r for r in rows[4:] if not blank(r[0])
                and not re.match(r"\s*(notes?\b|\(|source)", str(r[0]), re.IGNORECASE)]
    df = load(APU, "T_7301")
    assert df.attrs["source"]["header_row"] == 4
    assert len(df) == len(accounts) == 129
    expected = sum(r[j2024] for r in accounts if isinstance(r[j2024], float))
    assert df["2024"].sum() == pytest.approx(expected) == pytest.approx(18927.762)
    assert {"P1", "B1G", "D41"} <= set(df.iloc[:, 0])
    dropped = {d["motif"] for d in df.attrs["source"]["dropped"]}
    assert dropped == {"séparateur", "note"}


# --- DGCL, EPCI et communes membres (gros xlsx, codes en texte) -----------------------------

def test_dgcl_epcicom_codes_and_sums():
    name = "dgcl_epcicom2023.xlsx"
    wb = pc.CalamineWorkbook.from_path(str(REAL / name))
    rows = wb.get_sheet_by_name(wb.sheet_names[0]).to_python()
    head = [norm(h) for h in rows[0]]
    body = [r for r in rows[1:] if any(not blank(v) for v in r)]
    df = load(name)
    assert df.attrs["source"]["header_row"] == 1
    assert len(df) == len(body) == 34941
    j = head.index("ptot 2023")
    assert df[col(df, "ptot_2023")].sum() == sum(r[j] for r in body)
    assert {"01304", "2A130", "97101"} <= set(df[col(df, "insee")])
    assert {"01", "2A", "971"} <= set(df[col(df, "dept")])


# --- Carrières-sous-Poissy : classeur que openpyxl refuse, code INSEE en nombre --------------

def test_carrieres_prenoms():
    name = "carrieres-sous-poissy_prenoms_naissance.xlsx"
    rows = sheet_rows(name, "Sheet 1")
    head = [norm(h) for h in rows[0]]
    body = [r for r in rows[1:] if any(not blank(v) for v in r)]
    df = load(name)
    assert len(df) == len(body) == 930
    j = head.index("nombre occurences")
    assert df[col(df, "NOMBRE_OCCURENCES")].sum() == sum(r[j] for r in body) == 1126
    # 78123.0 dans le fichier : code INSEE de Carrières-sous-Poissy (référentiel), en texte
    assert set(df[col(df, "COLL_INSEE")]) == {"78123"}
    assert df[col(df, "ANNEE")].dropna().astype(int).isin([2018, 2019, 2020]).all()
    assert {"Zéphyr", "ÉLéanore", "Aaliyah"} <= set(df[col(df, "PRENOM_ENFANT")])


# --- Pays de Mormal, marchés 2016 (feuilles Google Sheets de 1000 lignes) --------------------

@pytest.mark.parametrize("sheet", [None, "Ajout_SIRET_geoloc"])
def test_ccpm_2016_padded_sheets(sheet):
    name = "ccpm_marches_publics_2016.xlsx"
    wb = pc.CalamineWorkbook.from_path(str(REAL / name))
    rows = sheet_rows(name, sheet or wb.sheet_names[0])
    body = [r for r in rows[1:] if any(not blank(v) for v in r)]
    df = load(name, sheet)
    assert len(df) == len(body) == 58
    j = [norm(h) for h in rows[0]].index("montant")
    montant = df[col(df, "MONTANT")]
    assert montant.dtype == "str"  # tranches de montant : du texte, pas un nombre
    assert set(montant.dropna()) == {str(r[j]).strip() for r in body if not blank(r[j])}


# --- CA du Boulonnais : export comptable, codes à zéros de tête ------------------------------

def test_cab_realisations():
    name = "cab_realisation_2025_tous_budgets_inv.xlsx"
    wb = pc.CalamineWorkbook.from_path(str(REAL / name))
    rows = sheet_rows(name, wb.sheet_names[0])
    head = [norm(h) for h in rows[0]]
    body = [r for r in rows[1:] if any(not blank(v) for v in r)]
    df = load(name)
    assert len(df) == len(body) == 1306
    for label in ("montant ht", "montant tva", "montant ttc"):
        j = head.index(label)
        assert df[col(df, label)].sum() == pytest.approx(sum(r[j] for r in body), abs=0.005)
    ht, tva, ttc = (df[col(df, x)].sum() for x in ("montant ht", "montant tva", "montant ttc"))
    assert ht + tva == pytest.approx(ttc, abs=0.01)
    assert {"01", "05", "18"} <= set(df[col(df, "budget")])
    assert {"020", "01"} <= set(df[col(df, "fonction")].dropna())
    assert (df[col(df, "montant ht")] < 0).sum() > 0  # annulations gardées


# --- CSV : séparateurs, BOM, nombres écrits à la française ----------------------------------

def test_ofgl_departement_long_export_keeps_aggregates():
    name = "ofgl-base-departements_haute-garonne_extrait.csv"
    rows = csv_rows(name)
    df = load(name)
    assert len(df) == len(rows) - 1 == 126
    assert df[col(df, "Montant")].sum() == pytest.approx(
        sum(number(v) for v in csv_column(rows, "Montant")), abs=0.01)
    # « Recettes totales » est une donnée de l'export, pas une ligne de total
    assert {"Recettes totales", "Dépenses totales"} <= set(df[col(df, "Agrégat")])
    assert set(df[col(df, "Code Siren Collectivité")]) == {"223100017"}
    assert set(df[col(df, "Code Insee 2024 Région")]) == {"76"}


def test_toulouse_destroyed_sirets_stay_text():
    name = "toulouse-metropole_subventions_2022.csv"
    rows = csv_rows(name)
    df = load(name)
    assert len(df) == len(rows) - 1 == 396
    assert df[col(df, "montant")].sum() == pytest.approx(
        sum(float(v) for v in csv_column(rows, "montant") if v), abs=0.01)
    assert set(df[col(df, "idAttribuant")]) == {"2,43E+13"}
    assert "7,17E+13" in set(df[col(df, "idBeneficiaire")])


def test_france_travail_space_thousands():
    name = "francetravail_besoins_main_oeuvre_dep.csv"
    rows = csv_rows(name)
    df = load(name)
    assert len(df) == len(rows) - 1 == 101
    for year in ("2014", "2023"):
        assert df[year].sum() == sum(number(v) for v in csv_column(rows, year))
    assert {"Ain 01", "Corse-du-Sud 2A", "Mayotte 976"} <= set(df.iloc[:, 0])


def test_education_uai_codes():
    name = "education_ecoles_effectifs_nb_classes_35.csv"
    rows = csv_rows(name)
    df = load(name)
    assert len(df) == len(rows) - 1 == 2704
    label = "Nombre total d'élèves"
    assert df[col(df, label)].sum() == sum(number(v) for v in csv_column(rows, label))
    assert {"0350103X", "0351981N"} <= set(df[col(df, "Numéro de l'école")])
    assert {"35690", "35500"} <= set(df[col(df, "Code Postal")])


def test_spf_long_table_keeps_all_ages_rows():
    name = "spf_tx_positivite_depart.csv"
    rows = csv_rows(name, encoding="ascii")
    df = load(name)
    assert len(df) == len(rows) - 1 == 45760
    assert df[col(df, "P")].sum() == sum(int(v) for v in csv_column(rows, "P"))
    assert df[col(df, "T")].sum() == sum(int(v) for v in csv_column(rows, "T"))
    assert {"09", "19", "0"} <= set(df[col(df, "cl_age90")])
    assert {"01", "2A", "978"} <= set(df[col(df, "dep")])
    assert not df.attrs["source"]["totals"]


def test_dle_gaz_scientific_decimal_comma():
    name = "dle_gaz_2019_ccpm.csv"
    rows = csv_rows(name, encoding="utf-8")
    df = load(name)
    assert len(df) == len(rows) - 1 == 134
    assert df[col(df, "CONSO")].sum() == pytest.approx(
        sum(number(v) for v in csv_column(rows, "CONSO")))
    assert set(df[col(df, "CODE_IRIS")]) >= {"772100000"}


def test_ore_total_column_verified():
    name = "ore_conso-elec-gaz-commune_mayenne.csv"
    rows = csv_rows(name, encoding="utf-8")
    df = load(name)
    assert len(df) == len(rows) - 1 == 243
    label = "Consommation totale (MWh)"
    assert df[col(df, label)].sum() == pytest.approx(
        sum(number(v) for v in csv_column(rows, label)))
    checked = {c["colonne"]: c for c in df.attrs["source"]["total_columns"]}
    assert checked[col(df, label)]["verifie"]
    assert len(checked[col(df, label)]["parties"]) == 5
    assert {"53181", "53001"} <= set(df[col(df, "Code Commune")])


def test_ccpm_2015_comma_file_bands_and_sirets():
    name = "ccpm_marches_publics_2015_siret_geoloc.csv"
    rows = csv_rows(name, sep=",", encoding="utf-8")
    df = load(name)
    assert len(df) == len(rows) - 1 == 33
    assert {"75015321500017", "32919833700944"} <= set(df[col(df, "ACHETEURS_ID")].dropna())
    assert set(df[col(df, "MONTANT")].dropna()) == {v for v in csv_column(rows, "MONTANT") if v}


# --- compte rendu de lecture sur un fichier réel ---------------------------------------------

def test_describe_reading_names_rows_and_escapes_html():
    df = load(POP, "2021")
    reading = kit.describe_reading(df)
    text = reading.to_text()
    assert "lignes 4, 5" in text and "109" in text and "vérifié par le calcul" in text
    assert str(reading) == text
    assert "<li>" in reading._repr_html_()


def test_forced_single_header_row_raises_doubts():
    """En-tête imposé sur la seule ligne 4 : la ligne 5 (classes d'âge) tombe dans les données
    et le compte rendu le signale (colonne de nombres contenant du texte)."""
    with pytest.warns(kit.ReadingDoubtWarning, match="ligne 5"):
        df = kit.load_table(REAL / POP, sheet="2021", header=4)
    assert kit.describe_reading(df).doubts
