"""Tests des indicateurs (étape 3) : trajectoire, statuts, contrôles du catalogue, calcul à
partir de fichiers (doublons, mois manquant, changement d'unité, tonnage négatif), exemples de
Clairval et un indicateur calculé sur un vrai fichier public."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kit import kpi, workspace
from kit.errors import ConfigError
from kit.kpi import period_status, trajectory, update_overdue

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
SHARED = ROOT.parent / "shared" / "data"


def _sheet(**kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "fichier": "catalogue.xlsx", "feuille": "Données", "ligne": 2, "code": "DEC-01",
        "libelle": "Tonnage", "secteur": "Déchets", "definition": "d", "formule": "somme(tonnage)",
        "unite": "t", "jeu_source": "DEC", "colonne_date": None, "frequence": "mensuelle",
        "sens": "baisse", "valeur_reference": 100.0, "date_reference": pd.Timestamp("2024-01-31"),
        "cible": 80.0, "echeance": pd.Timestamp("2024-05-31"), "type_cible": None,
        "trajectoire": "linéaire", "seuil_alerte": 105.0, "responsable": "Propreté"}
    row.update(kw)
    return row


def _catalogue(*rows: dict[str, object]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df["ligne"] = range(2, 2 + len(df))
    return df


def _dechets(months: list[str], tonnages: list[float], unit: str = "t") -> pd.DataFrame:
    return pd.DataFrame({"mois": pd.to_datetime(months), "flux": "OMR",
                         "tonnage": tonnages, "unite": unit})


# --------------------------------------------------------------------------- suivi
class TestTracking:
    def test_linear_trajectory_before_and_after(self) -> None:
        d = pd.to_datetime(["2023-12-31", "2024-01-31", "2024-03-31", "2024-05-31",
                            "2024-12-31"])
        got = trajectory(d, 100.0, "2024-01-31", 80.0, "2024-05-31")
        # 31/01 → 31/03 : 60 jours sur 121 → 100 − 20 × 60/121 = 90,08
        assert np.isnan(got[0])
        assert got[1:].round(2).tolist() == [100.0, 90.08, 80.0, 80.0]

    def test_trajectory_without_target(self) -> None:
        assert np.isnan(trajectory(pd.to_datetime(["2024-01-31"]), 1.0, "2024-01-01",
                                   None, None)).all()

    @pytest.mark.parametrize(("value", "expected", "status"), [
        (101.0, 120.0, "en avance"),            # hausse : au-dessus de la trajectoire
        (119.5, 120.0, "dans la trajectoire"),  # tolérance 5 % de (150 − 100) = 2,5
        (117.0, 120.0, "en retard"),
        (150.0, 120.0, "atteint"),
        (89.0, 120.0, "alerte"),                # sous le seuil d'alerte 90
    ])
    def test_status_rising(self, value: float, expected: float, status: str) -> None:
        if status == "en avance":
            value = 125.0
        assert period_status(value, expected, sens="hausse", target=150.0, reference=100.0,
                             alert=90.0) == status

    def test_status_stability_and_missing(self) -> None:
        kw = dict(sens="stabilité", target=75.0, reference=75.0, alert=10.0)
        assert period_status(78.0, 75.0, **kw) == "atteint"       # |3| ≤ 3,75
        assert period_status(80.0, 75.0, **kw) == "en retard"
        assert period_status(86.0, 75.0, **kw) == "alerte"        # |11| > 10
        assert period_status(np.nan, 75.0, **kw) == "sans donnée"
        assert period_status(5.0, np.nan, sens="hausse", target=None, reference=None,
                             alert=None) == "sans cible"

    def test_update_overdue_by_frequency(self) -> None:
        assert not update_overdue("2024-12-31", "annuelle", "2026-01-15")   # 380 jours
        assert update_overdue("2024-12-31", "mensuelle", "2026-01-15")
        assert update_overdue(None, "mensuelle", "2026-01-15")


# --------------------------------------------------------------------------- catalogue
class TestCheckCatalogue:
    def test_smart_checks(self) -> None:
        tables = {"DEC": _dechets([f"2024-{m:02d}-01" for m in range(1, 13)], [1.0] * 12),
                  "EAU": pd.DataFrame({"exercice": [2023, 2024], "rendement": [0.8, 0.81]})}
        cat = _catalogue(
            _sheet(),
            _sheet(libelle="copie"),                                  # même code
            _sheet(code="DEC-02", cible=None),
            _sheet(code="DEC-03", valeur_reference=None),
            _sheet(code="DEC-04", echeance=pd.Timestamp("2023-01-01")),
            _sheet(code="DEC-05", responsable=None),
            _sheet(code="DEC-06", jeu_source="XYZ"),
            _sheet(code="DEC-07", jeu_source="NRJ"),
            _sheet(code="EAU-01", jeu_source="EAU", formule="moyenne(rendement)"),
        )
        found = kpi.check_catalogue(cat, tables, inventory_ids={"DEC", "EAU", "NRJ"})
        got = sorted(zip(found["code"], found["ligne"].tolist()))
        assert got == sorted([("code-en-double", 3), ("sans-cible", 4), ("sans-reference", 5),
                              ("echeance-avant-reference", 6), ("sans-pilote", 7),
                              ("source-inconnue", 8), ("source-non-chargee", 9),
                              ("frequence-incoherente", 10)])
        assert found.set_index("code").loc["source-inconnue", "niveau"] == "erreur"


# --------------------------------------------------------------------------- calcul
class TestComputeKpis:
    def test_values_status_and_summary(self) -> None:
        tables = {"DEC": _dechets(["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01",
                                   "2024-05-01"], [100.0, 99.0, 80.0, 106.0, 79.0])}
        result = kpi.compute_kpis(_catalogue(_sheet()), tables, today="2024-06-15")
        v = result.values
        # attendu fin février : 100 − 20 × 29/121 = 95,21 ; 99 est au-dessus de 95,21 + 1
        assert v["statut"].tolist() == ["dans la trajectoire", "en retard", "atteint",
                                        "alerte", "atteint"]
        assert v["attendu"].round(2).tolist()[:2] == [100.0, 95.21]
        s = result.summary.iloc[0]
        assert (s["derniere_periode"], s["derniere_valeur"], s["statut"]) == (
            "2024-05", 79.0, "atteint")
        assert s["ecart_cible"] == -1.0 and not s["maj_en_retard"]

    def test_missing_month_makes_year_incomplete(self) -> None:
        months = [f"2023-{m:02d}-01" for m in range(1, 13)] + \
            [f"2024-{m:02d}-01" for m in range(1, 13) if m != 8]
        tables = {"DEC": _dechets(months, [10.0] * len(months))}
        sheet = _sheet(frequence="annuelle", valeur_reference=120.0,
                       date_reference=pd.Timestamp("2023-12-31"), cible=100.0,
                       echeance=pd.Timestamp("2025-12-31"), seuil_alerte=None)
        result = kpi.compute_kpis(_catalogue(sheet), tables, today="2025-01-15")
        assert result.values["valeur"].tolist() == [120.0, 110.0]   # 11 mois en 2024
        assert result.values["statut"].tolist() == ["dans la trajectoire", "incomplet"]
        msg = result.problems[result.problems["code"] == "periode-incomplete"]["message"]
        assert "2024-08" in msg.iloc[0]

    def test_unit_change_is_refused_others_computed(self) -> None:
        table = pd.concat([_dechets(["2024-12-01"], [50.0]),
                           _dechets(["2025-01-01"], [51000.0], unit="kg")], ignore_index=True)
        cat = _catalogue(_sheet(), _sheet(code="DEC-02", formule="nombre()", unite="lignes"))
        result = kpi.compute_kpis(cat, {"DEC": table}, today="2025-02-01")
        summary = result.summary.set_index("code")
        assert summary.loc["DEC-01", "statut"] == "non calculé"
        assert summary.loc["DEC-02", "derniere_valeur"] == 1.0
        err = result.problems[result.problems["code"] == "formule"]["message"].iloc[0]
        assert "mélange d'unités" in err and "DEC-01" in err

    def test_yearly_data_declared_monthly_is_computed_yearly(self) -> None:
        tables = {"EAU": pd.DataFrame({"exercice": [2023, 2024], "rendement": [80.0, 82.0]})}
        sheet = _sheet(code="EAU-01", jeu_source="EAU", formule="moyenne(rendement)",
                       sens="hausse", valeur_reference=80.0,
                       date_reference=pd.Timestamp("2023-12-31"), cible=85.0,
                       echeance=pd.Timestamp("2025-12-31"), seuil_alerte=None)
        result = kpi.compute_kpis(_catalogue(sheet), tables, today="2025-01-15")
        assert result.values["periode"].tolist() == ["2023", "2024"]
        assert result.summary.iloc[0]["frequence"] == "annuelle"
        assert result.summary.iloc[0]["evolution_un_an"] == 2.5    # (82 − 80) / 80


class TestLoadSources:
    def test_duplicates_and_negative_tonnage(self, tmp_path: Path) -> None:
        path = tmp_path / "dechets.csv"
        rows = [["Mois", "Flux", "Tournée", "Tonnage", "Unité"],
                ["01/01/2024", "Verre", "Nord", "10,5", "t"],
                ["01/01/2024", "Verre", "Nord", "10,5", "t"],
                ["01/02/2024", "Verre", "Nord", "-3", "t"],
                ["01/03/2024", "Verre", "Nord", "12", "t"]]
        with path.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f, delimiter=";").writerows(rows)
        entry = {"chemin": str(path), "schema": "collecte_dechets", "jeu": "DEC"}
        tables, problems = kpi.load_sources([entry])
        # la ligne 3 (copie de la 2) est écartée ; −3 est hors limites → valeur manquante
        assert tables["DEC"]["tonnage"].tolist()[0] == 10.5
        assert len(tables["DEC"]) == 3 and pd.isna(tables["DEC"]["tonnage"].tolist()[1])
        dup = problems[problems["code"] == "lignes-en-double"]
        assert "lignes 3 " in dup["message"].iloc[0] and "lignes 2)" in dup["message"].iloc[0]
        neg = problems[problems["code"] == "contrainte"]
        assert neg["cellule"].tolist() == ["D4"]
        series = kpi.compute_kpis(_catalogue(_sheet(seuil_alerte=None)), tables,
                                  today="2024-04-01").values
        # février : sa seule valeur est écartée → pas de valeur (jamais 0 ni −3)
        assert series["valeur"].tolist()[::2] == [10.5, 12.0]
        assert pd.isna(series["valeur"].tolist()[1])


# --------------------------------------------------------------------------- exemples
@pytest.fixture(scope="module")
def sample_kpis() -> kpi.Kpis:
    return kpi.run_kpis(workspace.load_config(SAMPLES / "collectivite.yaml"))


class TestSamples:
    def test_catalogue_traps_found(self, sample_kpis: kpi.Kpis) -> None:
        traps = json.loads((SAMPLES / "pieges.json").read_text(encoding="utf-8"))["indicateurs"]
        p = sample_kpis.problems
        cat = sample_kpis.catalogue.set_index("ligne")
        controls = {t["controle"] for t in traps["catalogue"]}
        found = {(c, cat.loc[line, "code"]) for c, line, f in zip(p["code"], p["ligne"],
                                                                   p["fichier"])
                 if c in controls and f == "catalogue_indicateurs.xlsx"}
        assert {(t["controle"], t["code"]) for t in traps["catalogue"]} <= found
        dup = p[p["code"] == "lignes-en-double"]["message"].iloc[0]
        for first, copy in traps["lignes_en_double"]:
            assert str(copy) in dup and str(first) in dup

    def test_sixteen_indicators_and_known_traps(self, sample_kpis: kpi.Kpis) -> None:
        s = sample_kpis.summary.set_index("code")
        assert len(s) == 16                      # 18 fiches − doublon − source inconnue
        assert s.loc["DEC-03", "statut"] == "non calculé"       # verre : t puis kg
        v = sample_kpis.values.set_index(["code", "periode"])
        assert v.loc[("DEC-01", "2024"), "statut"] == "incomplet"  # août 2024 manquant
        assert s.loc["EAU-02", "frequence"] == "annuelle"
        # DEC-02 d'octobre 2023 : le tonnage négatif est écarté, pas soustrait
        months = sample_kpis.values[sample_kpis.values["code"] == "DEC-02"].set_index(
            "periode")["valeur"]
        assert months["2023-10"] < months["2023-09"] and months["2023-10"] > 0

    def test_no_personal_data(self, sample_kpis: kpi.Kpis) -> None:
        personal = json.loads((SAMPLES / "pieges.json").read_text(encoding="utf-8"))[
            "donnees_personnelles"]
        shown = sample_kpis.summary.to_string() + sample_kpis.values.to_string()
        assert not [v for v in personal if str(v) in shown]

    def test_config_errors(self) -> None:
        with pytest.raises(ConfigError, match="indicateurs"):
            kpi.run_kpis({"fichiers": []})


# --------------------------------------------------------------------------- fichier réel
def test_real_subsidies_per_inhabitant_against_independent_computation() -> None:
    """Subventions de fonctionnement versées par le Département de la Sarthe en 2018, par
    habitant : le kit (chargeur + schéma + formule) contre une lecture openpyxl à la main."""
    path = SHARED / "real" / "sarthe_subventions_versees_aux_associations_en_2018-converti.xlsx"
    communes = SHARED / "reference" / "communes.csv"
    if not path.is_file() or not communes.is_file():
        pytest.skip("../shared/data absent : test sur fichier réel ignoré")
    ref = pd.read_csv(communes, dtype=str)
    population = int(ref.loc[(ref["dep"] == "72") & (ref["type"] == "commune-actuelle"),
                             "population"].astype(int).sum())
    schema = {"name": "subventions_sarthe", "fields": [
        {"name": "annee", "title": "Année", "type": "integer"},
        {"name": "montant_fonctionnement",
         "title": "Montant de la subvention de fonctionnement (1)", "type": "number"}]}
    entry = {"chemin": str(path), "schema": schema, "jeu": "SUB"}
    tables, problems = kpi.load_sources([entry])
    sheet = _sheet(code="FIN-01", jeu_source="SUB", colonne_date="annee",
                   formule="somme(montant_fonctionnement) / population", frequence="annuelle",
                   unite="€/hab", valeur_reference=None, cible=None, echeance=None)
    result = kpi.compute_kpis(_catalogue(sheet), tables, {"population": population},
                              today="2019-06-30")
    got = result.values.set_index("periode")["valeur"]

    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    total, garbage = 0.0, []
    for number, row in enumerate(wb["Table 1"].iter_rows(min_row=2, values_only=True), 2):
        cell = row[9]
        if isinstance(cell, (int, float)):
            total += cell
        elif isinstance(cell, str) and re.fullmatch(r"\d[\d \u00a0\u202f]*(,\d+)?", cell.strip()):
            total += float(re.sub(r"[ \u00a0\u202f]", "", cell).replace(",", "."))
        elif cell is not None:
            garbage.append(f"J{number}")
    assert list(got.index) == ["2018"]
    assert got["2018"] == pytest.approx(total / population, rel=1e-12)
    # la cellule illisible (« N      82 584,28 ») est citée, pas comptée en silence
    flagged = problems[problems["code"] == "type"]["cellule"].tolist()
    assert flagged == garbage and len(garbage) == 1
