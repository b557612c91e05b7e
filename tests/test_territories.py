"""Tests du référentiel des territoires (kit.territories, kit/territories/data)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from kit.errors import DataError, KitError
from kit.territories import (
    LEVELS,
    check_codes,
    department_of,
    load_former_codes,
    load_territories,
    normalize_codes,
    require_known,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
REFERENCE = SHARED / "data" / "reference"


def _reference_dir() -> Path:
    if not (REFERENCE / "communes.csv").is_file():
        pytest.skip(f"Données de référence absentes ({REFERENCE}) : ce test compare le "
                    "référentiel embarqué au Code officiel géographique source.")
    return REFERENCE


class TestLoadTerritories:
    @pytest.mark.parametrize(("level", "rows"), [("commune", 34969), ("epci", 1255),
                                                  ("departement", 109), ("region", 26)])
    def test_nombre_de_lignes(self, level: str, rows: int) -> None:
        df = load_territories(level)
        assert len(df) == rows
        assert df["code"].is_unique
        assert {"code", "nom", "niveau", "type", "population"} <= set(df.columns)

    def test_codes_en_texte_avec_zeros(self) -> None:
        communes = load_territories("commune").set_index("code")
        assert communes.loc["01004", "nom"] == "Ambérieu-en-Bugey"
        assert communes.loc["01004", "dep"] == "01"
        assert communes.loc["2A004", "nom"] == "Ajaccio"
        assert communes.loc["2B033", "dep"] == "2B"
        assert communes.loc["97105", "reg"] == "01"
        assert communes.loc["75056", "population"] == 2103778

    def test_epci_type_et_population(self) -> None:
        epci = load_territories("epci")
        assert set(epci["type"]) == {"CC", "CA", "CU", "METRO", "MET69"}
        communes = load_territories("commune")
        # population d'un EPCI = somme de ses communes (même millésime)
        siren = "200000172"
        expected = communes.loc[communes["epci"] == siren, "population"].sum()
        assert epci.set_index("code").loc[siren, "population"] == expected

    def test_departements_et_regions(self) -> None:
        deps = load_territories("departement").set_index("code")
        assert deps.loc["07", "reg"] == "84"
        assert deps.loc["2A", "nom"] == "Corse-du-Sud"
        regions = load_territories("region")
        assert regions["population"].sum() == load_territories("commune")["population"].sum()

    def test_niveau_inconnu(self) -> None:
        with pytest.raises(KitError, match="Niveau de territoire inconnu"):
            load_territories("canton")

    def test_copie_independante(self) -> None:
        a = load_territories("commune")
        a.loc[0, "nom"] = "modifié"
        assert load_territories("commune").loc[0, "nom"] != "modifié"


class TestFormerCodes:
    def test_communes_deleguees_et_arrondissements(self) -> None:
        former = load_former_codes().set_index("code_ancien")
        assert former.loc["78251", "code_actuel"] == "78551"  # Fourqueux
        assert former.loc["69152", "statut"] == "commune déléguée"
        assert former.loc["75101", "code_actuel"] == "75056"
        assert former.loc["75101", "statut"] == "arrondissement municipal"

    def test_aucun_ancien_code_n_est_en_vigueur(self) -> None:
        former = load_former_codes()
        current = set(load_territories("commune")["code"])
        assert not set(former["code_ancien"]) & current
        assert set(former["code_actuel"]) <= current


class TestNormalizeCodes:
    def test_communes(self) -> None:
        got = normalize_codes(["01004", "1004", 1004, 1004.0, " 01004 ", "1004.0", "2a004",
                               "2B033"])
        assert got.tolist() == ["01004"] * 6 + ["2A004", "2B033"]

    def test_vides(self) -> None:
        got = normalize_codes([None, float("nan"), "", "75056"])
        assert got.isna().tolist() == [True, True, True, False]

    def test_departements(self) -> None:
        got = normalize_codes(["7", "07", "2a", "971", 1], level="departement")
        assert got.tolist() == ["07", "07", "2A", "971", "01"]

    def test_index_conserve(self) -> None:
        s = pd.Series(["1004", "75056"], index=[10, 20])
        assert normalize_codes(s).index.tolist() == [10, 20]

    def test_department_of(self) -> None:
        assert [department_of(c) for c in ("07999", "1004", "2A004", "97105", "98735")] == \
            ["07", "01", "2A", "971", "987"]


class TestCheckCodes:
    def test_statuts(self) -> None:
        report = check_codes(["01004", "1004", "2b033", "20033", "78251", "75101", "99999",
                              "07999"], known=["07999"]).set_index("code_saisi")
        assert report.loc["01004", "statut"] == "valide"
        assert report.loc["1004", ["statut", "code_actuel"]].tolist() == ["corrigé", "01004"]
        assert "zéro initial rétabli" in report.loc["1004", "detail"]
        assert report.loc["2b033", ["statut", "code_actuel"]].tolist() == ["corrigé", "2B033"]
        assert report.loc["20033", ["statut", "code_actuel"]].tolist() == ["corrigé", "2B033"]
        assert "corse" in report.loc["20033", "detail"]
        assert report.loc["78251", ["statut", "code_actuel", "nom"]].tolist() == \
            ["ancien code", "78551", "Saint-Germain-en-Laye"]
        assert "Fourqueux" in report.loc["78251", "detail"]
        assert report.loc["75101", "code_actuel"] == "75056"
        assert report.loc["99999", "statut"] == "inconnu"
        assert report.loc["99999", "code_actuel"] is None
        assert "Code officiel géographique" in report.loc["99999", "detail"]
        assert report.loc["07999", "statut"] == "hors référentiel"

    def test_corse_departement_20(self) -> None:
        report = check_codes(["20", "2a"], level="departement").set_index("code_saisi")
        assert report.loc["20", "statut"] == "inconnu"
        assert "2A et 2B" in report.loc["20", "detail"]
        assert report.loc["2a", "code_actuel"] == "2A"

    def test_une_ligne_par_code_distinct(self) -> None:
        report = check_codes(["01004", "01004", None, "1004"])
        assert report["code_saisi"].tolist() == ["01004", "1004"]

    def test_require_known(self) -> None:
        report = check_codes(["01004", "99999", "88888"])
        with pytest.raises(DataError, match="99999, 88888"):
            require_known(report, "Liste de pairs")


class TestReferentielBuild:
    def test_reconstruction_identique(self, tmp_path: Path) -> None:
        """Le script d'extraction redonne exactement les fichiers embarqués."""
        from tools.build_referentiels import OUTPUTS, build

        build(_reference_dir(), tmp_path)
        shipped = ROOT / "kit" / "territories" / "data"
        for name in OUTPUTS:
            assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), name

    def test_fidele_a_la_source(self) -> None:
        source = pd.read_csv(_reference_dir() / "communes.csv", dtype=str,
                             keep_default_na=False)
        current = source[source["type"] == "commune-actuelle"]
        ours = load_territories("commune")
        assert sorted(current["code_insee"]) == ours["code"].tolist()
        merged = current.merge(ours, left_on="code_insee", right_on="code")
        pop = pd.to_numeric(merged["population_x"], errors="coerce")
        assert (pop.fillna(-1) == merged["population_y"].astype(float).fillna(-1)).all()
        assert (merged["nom_x"] == merged["nom_y"]).all()
        assert (merged["dep_x"] == merged["dep_y"]).all()

    def test_taille_compacte(self) -> None:
        folder = ROOT / "kit" / "territories" / "data"
        total = sum(p.stat().st_size for p in folder.glob("*.parquet"))
        assert total < 2 * 1024 * 1024

    def test_readme_cite_source_et_licence(self) -> None:
        text = (ROOT / "kit" / "territories" / "data" / "README.md").read_text(encoding="utf-8")
        assert "Code officiel géographique" in text
        assert "Licence Ouverte" in text
        assert "decoupage-administratif" in text

    def test_le_kit_ne_lit_jamais_le_dossier_partage(self) -> None:
        pattern = re.compile(r"/work/shared|shared/data|data/reference")
        offenders = [p.name for p in (ROOT / "kit").rglob("*.py")
                     if p.name != "_build.py" and pattern.search(p.read_text(encoding="utf-8"))]
        assert offenders == []


def test_niveaux() -> None:
    assert list(LEVELS) == ["commune", "epci", "departement", "region"]
