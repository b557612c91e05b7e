"""Chargement des fichiers réels de ../shared/data/real : valeurs vérifiées dans les octets source."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pandas as pd
import pytest

import kit

SHARED = Path(__file__).resolve().parents[2] / "shared"
REAL = SHARED / "data" / "real"

if not REAL.is_dir():
    pytest.skip(f"../shared absent : {REAL} introuvable", allow_module_level=True)


def _sums() -> dict[str, str]:
    out = {}
    for line in (REAL / "SHA256SUMS").read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            out[name.lstrip("*").strip()] = digest
    return out


SUMS = _sums()
FILES = sorted(p.name for p in REAL.iterdir() if p.name not in ("README.md", "SHA256SUMS"))
_CACHE: dict[str, pd.DataFrame] = {}


def load(name: str) -> pd.DataFrame:
    if name not in _CACHE:
        _CACHE[name] = kit.load_table(REAL / name)
    return _CACHE[name]


@pytest.mark.parametrize("name", FILES)
def test_loads_hash_and_source_unchanged(name):
    path = REAL / name
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    df = kit.load_table(path)
    _CACHE[name] = df
    after = hashlib.sha256(path.read_bytes()).hexdigest()
    assert before == after == SUMS[name]
    src = df.attrs["source"]
    assert src["sha256"] == SUMS[name]
    assert src["file"] == str(path.resolve())
    assert src["rows"] == len(df) > 0
    assert df.index.name == "ligne"
    assert set(src["columns"]) == set(df.columns)


def test_every_file_listed_in_sha256sums():
    assert set(FILES) == set(SUMS)


# --- CSV -------------------------------------------------------------------------------------

def test_dotations_codes_and_names():
    df = load("dotations_par_commune.csv")
    with open(REAL / "dotations_par_commune.csv", encoding="utf-8", newline="") as f:
        raw = list(csv.reader(f))
    assert len(df) == len(raw) - 1 == 35451
    assert df.loc[2, "code collectivite"] == "01001"
    assert df.loc[2, "LIBGEO"] == "L'Abergement-Clémenciat"
    assert not pd.api.types.is_numeric_dtype(df["code collectivite"])
    assert (df["code collectivite"].str.len() == 5).all()
    corse = [i + 1 for i, r in enumerate(raw) if r[0] == "2A001"]
    assert df.loc[corse[0], "LIBGEO"] == "Afa"
    assert df.loc[2, "recette_avantp"] == pytest.approx(438377.83)
    assert df.loc[2, "avantp_hab"] == pytest.approx(558.4430955414012)
    assert df.attrs["source"]["encoding"] == "utf-8"
    assert df.attrs["source"]["delimiter"] == ","


def test_ofgl_bom_and_codes():
    df = load("ofgl-base-communes_guadeloupe_2024.csv")
    assert (REAL / "ofgl-base-communes_guadeloupe_2024.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    assert df.columns[0] == "Exercice"
    assert df.attrs["source"]["encoding"] == "utf-8-sig"
    assert df.attrs["source"]["delimiter"] == ";"
    assert len(df) == 2505 and df.shape[1] == 42
    assert (df["Exercice"] == 2024).all()
    for col in ("Code Insee 2024 Commune", "Code Insee 2024 Département", "Siret Budget"):
        assert df[col].dtype == "str", col
    assert df["Code Insee 2024 Commune"].str.startswith("971").all()
    assert (df["Siret Budget"].dropna().str.len() == 14).all()
    assert df["Montant"].dtype == "float64"


def test_sdes_placeholders_counted_numeric_kept():
    name = "sdes_conso_chaleur_froid_iris_2023.csv"
    df = load(name)
    with open(REAL / name, encoding="utf-8", newline="") as f:
        raw = list(csv.reader(f, delimiter=";"))
    expected = {7: 0, 8: 0}
    for r in raw[2:]:
        for i in expected:
            expected[i] += r[i] in ("secret", "nd")
    assert expected == {7: 870, 8: 870}  # 311 « secret » + 559 « nd » par colonne
    src = df.attrs["source"]
    assert src["header_rows"] == 2
    assert src["placeholders"] == {"Consommation (en MWh)": 870,
                                   "Nombre de points de livraison": 870}
    conso = df["Consommation (en MWh)"]
    assert conso.dtype == "float64"
    assert pd.api.types.is_numeric_dtype(df["Nombre de points de livraison"])
    assert conso.isna().sum() == 870
    assert df.loc[3, "Consommation (en MWh)"] == 1929.0
    assert df.loc[3, "Code de l'IRIS - Code de la zone"] == "010530103"
    assert len(df) == len(raw) - 2 == 3646


def test_effectifsco_cp850():
    df = load("VilleMTP_MTP_EffectifSco_2014.csv")
    assert b"ali\x82nor" in (REAL / "VilleMTP_MTP_EffectifSco_2014.csv").read_bytes()
    assert df.attrs["source"]["encoding"] == "cp850"
    assert df.loc[3, "NOM"] == "Ecole maternelle aliénor d'AQUITAINE"
    assert not df["NOM"].str.contains("‚", na=False).any()
    assert df.loc[2, "RNE"] == "0341303G"
    assert df.loc[2, "NUMTEL"] == "04.67.42.40.74"
    assert df.loc[2, "CDPOST"] == "34070"
    assert len(df) == 120


def test_etp_decimal_comma_and_weekly_means_dropped():
    df = load("VilleMTP_MTP_ETP.csv")
    lines = (REAL / "VilleMTP_MTP_ETP.csv").read_bytes().decode("cp1252").splitlines()
    means = [i + 1 for i, l in enumerate(lines) if l.strip().startswith("Moyenne semaine")]
    assert len(means) == 59
    src = df.attrs["source"]
    totals = sorted(d["ligne"] for d in src["dropped"] if d["motif"] == "total")
    assert totals == means
    assert not set(means) & set(df.index)
    value = df.columns[1]
    assert df[value].dtype == "float64"
    assert df.loc[3, value] == pytest.approx(4.24)   # « 30/05/2011;4,24 »
    assert df.loc[6, value] == pytest.approx(0.9)    # « 02/06/2011;0,9 »
    assert pd.api.types.is_datetime64_any_dtype(df[df.columns[0]])
    assert df.loc[3, df.columns[0]] == pd.Timestamp("2011-05-30")
    assert len(df) == 474 - 2 - 59
    # ligne 1 : un titre, ligne 2 : « ; », puis les données : pas d'en-tête, et c'est dit
    assert lines[0].startswith("Valeur ETP") and lines[1].strip() == ";"
    assert src["header_row"] is None
    assert any(d.startswith("Aucune ligne d'en-tête reconnue") for d in src["doubts"])


def test_gironde_padding_trimmed_amounts_float():
    name = "gironde_cedi_2016_CA.csv"
    df = load(name)
    with open(REAL / name, encoding="utf-8", newline="") as f:
        raw = list(csv.reader(f))
    assert raw[1][13] == "R01     "
    assert df.loc[2, "Rubrique fonctionnelle"] == "R01"
    assert list(df.columns)[-1] == "Montant"  # colonne finale de blancs écartée
    assert df.shape[1] == 17
    assert df["Montant"].dtype == "float64"
    assert df.loc[2, "Montant"] == pytest.approx(6097.96)
    expected = sum(float(r[16]) for r in raw[1:] if len(r) > 16 and r[16].strip())
    assert df["Montant"].sum() == pytest.approx(expected)
    assert df.loc[2, "Date vote"] == pd.Timestamp("2017-04-07")
    assert len(df) == 1251


VENDEE = "vendee_2018_Publication_donnees_Open_data_Subventions_Conventions.csv"


def test_vendee_repaired_and_rejected_lines():
    df = load(VENDEE)
    src = df.attrs["source"]
    raw = (REAL / VENDEE).read_bytes().split(b"\r\n")
    assert b"100\xa0000,00" in raw[1]
    assert 2 in src["repaired_lines"]
    assert df.loc[2, "montant"] == 100000.0
    assert df.loc[2, "nomBeneficiaire"] == "LES ARTS FLORISSANTS"
    assert df.loc[2, "idBeneficiaire"] == "32416633900055"
    # ligne 22 : montant coupé et virgule dans conditionsVersement, seul texte libre entre les
    # colonnes bien typées qui l'entourent → une seule répartition (lue dans le fichier)
    assert b"1\xa0387\xa0903,00" in raw[21]
    assert b"de la convention, d'un 2eme acompte" in raw[21]
    assert 22 in src["repaired_lines"] and 22 in src["glued_lines"]  # montré comme un doute
    assert any("non protégé dans un texte" in d and "22" in d for d in src["doubts"])
    assert 2 not in src["glued_lines"]  # montant seul recollé : sûr
    assert df.loc[22, "montant"] == 1387903.0
    assert df.loc[22, "conditionsVersement"].startswith(
        "Paiement d'un acompte de 1 350 000 € a la signature de la convention, d'un 2eme")
    assert df.loc[22, "datesPeriodeVersement"] == "2018-02-20_2018-10-01"
    # ligne 25 : virgules dans l'objet, voisin d'un autre texte libre (nomBeneficiaire) :
    # ambiguë, rejetée et signalée
    assert b"Pour : Augmentation des surface bio, renforcement" in raw[24]
    assert 25 in src["rejected_lines"]
    assert not set(src["rejected_lines"]) & set(df.index)
    assert df["montant"].dtype == "float64"
    # ligne 88 en UTF-8 (fichier mixte) : « 160 000,00 »
    assert df.loc[88, "montant"] == 160000.0
    assert df.loc[88, "nomBeneficiaire"] == "Comité d'Organisation de l'Open de Vendée"


def test_vendee_fully_quoted_lines_repaired_or_rejected():
    """Lignes 6 et 10 : enregistrement mis entre guillemets jusqu'au milieu de la colonne
    conditionsVersement (« "…convention "; 50% sur… »), montant « 39 000,00 » non protégé."""
    df = load(VENDEE)
    src = df.attrs["source"]
    for line, amount in ((6, 39000.0), (10, 70000.0)):
        if line in df.index:
            assert df.loc[line, "nomAttribuant"] == "Conseil Départemental de la Vendée"
            assert df.loc[line, "montant"] == amount
        else:
            assert line in src["rejected_lines"]
    assert {6, 10} <= set(src["repaired_lines"])
    assert df.loc[6, "conditionsVersement"] == ("50% a la notification de la convention ; 50% "
                                                "sur présentation du budget définitif.")
    assert df.loc[10, "idBeneficiaire"] == "53862368700018"


def test_vendee_quoted_record_not_dropped_as_separator():
    """Ligne 89 (subvention « Ateliers Méca Sud Vendée », 25 000,00) : enregistrement entier
    entre guillemets, redécoupé puis réparé, et non écarté comme « séparateur »."""
    df = load(VENDEE)
    src = df.attrs["source"]
    assert 89 in df.index or 89 in src["rejected_lines"]
    assert all(d["ligne"] != 89 for d in src["dropped"])
    assert df.loc[89, "nomBeneficiaire"] == "Ateliers Méca Sud Vendée"
    assert df.loc[89, "montant"] == 25000.0
    assert 'conseil "mobilité"' in df.loc[89, "objet"]


def test_dgfip_extract_codes():
    df = load("dgfip_comptes_individuels_communes_2017_extrait.csv")
    assert df.shape == (3, 219)
    assert df.loc[2, "dep"] == "068"
    assert df.loc[4, "inom"] == "EXCLU"
    assert df.loc[2, "reg"] == "044"


def test_dgfip_icom_is_text_code():
    """Colonne « icom » (code commune dans le département, « 356 », « 281 », « 999 ») : un
    code texte, qui garderait le zéro de « 056 »."""
    df = load("dgfip_comptes_individuels_communes_2017_extrait.csv")
    assert df.loc[2, "icom"] == "356"
    assert df.attrs["source"]["types"]["icom"] == "code"


def test_financeslocal_printed_form_loads():
    df = load("VilleMTP_MTP_FinancesLocal_2011.csv")
    assert df.attrs["source"]["encoding"] == "cp1252"
    assert df.attrs["source"]["delimiter"] == ","
    assert len(df) > 0


# --- Classeurs ---------------------------------------------------------------------------------

def test_mayenne_mixed_dates_and_siret():
    df = load("mayenne_data.gouv-cd53-21-12-2018.xlsx")
    assert pd.api.types.is_datetime64_any_dtype(df["dateConvention"])
    assert df.loc[2, "dateConvention"] == pd.Timestamp("2017-06-27")  # texte « 2017-06-27 »
    assert df.loc[5, "dateConvention"] == pd.Timestamp("2017-08-28")  # vraie date Excel
    assert df.loc[2, "idBeneficiaire"] == "82772807200014"  # nombre dans le classeur
    assert df.loc[2, "idAttribuant"] == "22530001100015"
    sirets = df["idBeneficiaire"].dropna()
    assert (sirets.drop(index=161).str.len() == 14).all()
    assert df.loc[161, "idBeneficiaire"] == "317626745"  # 9 chiffres dans la source
    assert df["montant"].dtype == "float64"
    assert df["montant"].sum() == pytest.approx(30372173.02)
    assert df.attrs["source"]["header_row"] == 1


def test_marches_2013_header_and_dates():
    df = load("VilleMTP_MTP_MarchesConclus_2013.xls")
    src = df.attrs["source"]
    assert src["header_row"] == 5 and src["header_rows"] == 3
    col = [c for c in df.columns if c.endswith("Date de notif.")]
    assert len(col) == 1
    col = col[0]
    assert src["columns"][col] == "J"
    assert pd.api.types.is_datetime64_any_dtype(df[col])
    assert df.loc[8, col] == pd.Timestamp("2013-02-13")   # texte « 13/2/13 »
    assert df.loc[10, col] == pd.Timestamp("2013-10-04")  # texte « 4/10/13 »
    assert df[col].notna().sum() == 316
    assert df.loc[8, "Marché global - N° Marché"] == "12M067"


def test_marches_2012_ods():
    df = load("VilleMTP_MTP_MarchesConclus_2012.ods")
    src = df.attrs["source"]
    assert src["format"] == "ods" and src["sheet"] == "Feuil1"
    assert src["header_row"] == 4 and src["header_rows"] == 2
    assert df.loc[9, "N° Marché"] == "1M702"
    assert df.loc[9, "Seuil du marché attribué"] == "20 000 à 89 999,99 € HT"
    lt = kit.list_tables(REAL / "VilleMTP_MTP_MarchesConclus_2012.ods")
    assert lt["contenu"].tolist() == ["tableau de données", "vide", "vide"]


def test_manifestations_separator_rows_dropped():
    df = load("VilleMTP_MTP_ManifestationSportives_2012.xls")
    dropped = {d["ligne"]: d for d in df.attrs["source"]["dropped"]}
    assert dropped[2]["motif"] == "séparateur" and dropped[2]["texte"] == "2011"
    assert dropped[3]["motif"] == "séparateur" and dropped[3]["texte"] == "DECEMBRE"
    assert dropped[29]["texte"] == "JANVIER"
    assert not {2, 3, 28, 29} & set(df.index)
    assert df.loc[4, "Manifestation"] == "KID Athlé de Noël"
    assert "Niveau compétition/ Organisateurs" in df.columns  # saut de ligne → espace
    assert "10 et 11 déc" in set(df["Dates"])
    assert len(df) == 256


def test_qvenquete_15_sheets():
    lt = kit.list_tables(REAL / "VilleMTP_MTP_QVEnquete_2013.xlsx")
    assert len(lt) == 15
    assert lt["feuille"].tolist()[:3] == ["Total2012", "DUOP", "Education"]
    assert lt["feuille"].iloc[-1] == "Fourrière"
    df = load("VilleMTP_MTP_QVEnquete_2013.xlsx")
    assert df.attrs["source"]["sheet"] == "Total2012"
    assert df.attrs["source"]["header_rows"] == 2
    assert "Accueil téléphonique - Amabilité" in df.columns


def test_caf_sheets_and_codes():
    lt = kit.list_tables(REAL / "INSEE_MTP_CAFcom_2009.xls")
    contenu = dict(zip(lt["feuille"], lt["contenu"]))
    assert contenu["Métadonnées"] == "notes / métadonnées"
    assert contenu["CAF par commune"] == "tableau de données"
    df = load("INSEE_MTP_CAFcom_2009.xls")
    assert df.attrs["source"]["sheet"] == "CAF par commune"
    assert df.loc[9, "Code département / commune"] == "34057"
    assert df.loc[9, "Nom de la zone"] == "Castelnau-le-Lez"
    assert df.loc[9, "Nombre d’allocataires"] == 2383


def test_caf_named_sheet():
    df = kit.load_table(REAL / "INSEE_MTP_CAFcom_2009.xls", sheet="Descriptif")
    assert df.attrs["source"]["sheet"] == "Descriptif"
    assert len(df) > 0


def test_sarthe_loads():
    df = load("sarthe_subventions_versees_aux_associations_en_2018-converti.xlsx")
    src = df.attrs["source"]
    assert src["header_row"] == 1 and src["sheet"] == "Table 1"
    assert df.loc[2, "Nom de l'organisme bénéficiaire"] == "14 JUILLET"
    assert (df["Année"] == 2018).all()
    assert len(df) == 1625


def test_sarthe_no_empty_columns_from_merged_header():
    df = load("sarthe_subventions_versees_aux_associations_en_2018-converti.xlsx")
    assert "Nom de l'organisme bénéficiaire (2)" not in df.columns
