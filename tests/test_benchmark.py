"""Tests de la comparaison entre territoires (kit.benchmark) : strates, pairs, positions.

Les valeurs attendues des petits tableaux sont calculées à la main (voir les commentaires) ;
les tests sur données réelles comparent le kit à un calcul indépendant (pandas / numpy).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from kit import benchmark as bm
from kit.charts import (
    PALETTE,
    plot_comparison_table,
    plot_peer_distribution,
    plot_peer_ranking,
    plot_peer_trend,
    plot_percentile_profile,
)
from kit.errors import DataError, KitError
from kit.territories import load_territories
from tools.samples._benchmark import TRAPS, write_benchmark_samples

SHARED = Path(__file__).resolve().parents[2] / "shared"
REAL = SHARED / "data" / "real"
OFGL = REAL / "ofgl-base-communes_guadeloupe_2024.csv"
DOTATIONS = REAL / "dotations_par_commune.csv"


def _real(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"Fichier réel absent ({path}) : ce test positionne de vraies communes et "
                    "ne peut pas tourner sans le dossier partagé des données réelles.")
    return path


# --------------------------------------------------------------------------- strates
class TestStrata:
    def test_bornes_dgf(self) -> None:
        # CGCT art. L2334-3 : 0-499, 500-999, 1 000-1 999, 2 000-3 499, 3 500-4 999,
        # 5 000-7 499, 7 500-9 999, 10 000-14 999, 15 000-19 999, 20 000-34 999,
        # 35 000-49 999, 50 000-74 999, 75 000-99 999, 100 000-199 999, 200 000 et plus
        pops = [0, 499, 500, 999, 1000, 1999, 2000, 3499, 3500, 4999, 5000, 7499, 7500, 9999,
                10000, 14999, 15000, 19999, 20000, 34999, 35000, 49999, 50000, 74999, 75000,
                99999, 100000, 199999, 200000, 2_103_778]
        expected = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12,
                    12, 13, 13, 14, 14, 15, 15]
        assert bm.assign_strata(pops, "dgf").tolist() == expected

    def test_bornes_ofgl(self) -> None:
        # OFGL : 0 si < 100 ; 1 : 100-199 ; 2 : 200-499 ; 3 : 500-1 999 ; 4 : 2 000-3 499 ;
        # 5 : 3 500-4 999 ; 6 : 5 000-9 999 ; 7 : 10 000-19 999 ; 8 : 20 000-49 999 ;
        # 9 : 50 000-99 999 ; 10 : 100 000 et plus
        pops = [0, 99, 100, 199, 200, 499, 500, 1999, 2000, 3499, 3500, 4999, 5000, 9999,
                10000, 19999, 20000, 49999, 50000, 99999, 100000]
        expected = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10]
        assert bm.assign_strata(pops, "ofgl").tolist() == expected

    def test_bornes_epci_et_departements(self) -> None:
        assert bm.assign_strata([14999, 15000, 29999, 30000, 49999, 50000, 99999, 100000,
                                 249999, 250000, 399999, 400000], "epci").tolist() == \
            [1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7]
        assert bm.assign_strata([249999, 250000, 499999, 500000, 999999, 1_000_000],
                                "departement").tolist() == [1, 2, 2, 3, 3, 4]

    def test_population_manquante_ou_negative(self) -> None:
        got = bm.assign_strata(pd.Series([None, -5, "abc", 42000], index=list("abcd")))
        assert got.isna().tolist() == [True, True, True, False]
        assert got.index.tolist() == list("abcd")
        assert bm.assign_strata(42000).iloc[0] == 11

    def test_tables_et_libelles(self) -> None:
        dgf = bm.strata_table("dgf")
        assert len(dgf) == 15 and dgf["strate"].tolist() == list(range(1, 16))
        assert dgf.attrs["source"].startswith("CGCT, article L2334-3")
        assert bm.stratum_label(11) == "35 000 à 49 999 habitants"
        assert bm.stratum_label(1, "dgf") == "0 à 499 habitants"
        assert bm.stratum_label(0, "ofgl") == "moins de 100 habitants"
        assert bm.stratum_label(10, "ofgl") == "100 000 habitants et plus"
        ofgl = bm.strata_table("ofgl")
        assert ofgl["population_min"].tolist() == [0, 100, 200, 500, 2000, 3500, 5000, 10000,
                                                   20000, 50000, 100000]
        with pytest.raises(KitError, match="Découpage en strates inconnu"):
            bm.strata_table("insee")
        with pytest.raises(KitError, match="inexistante"):
            bm.stratum_label(16, "dgf")

    def test_accord_avec_le_fichier_ofgl(self) -> None:
        """Strate OFGL du kit = « Strate population 2024 » du fichier, pour chaque commune."""
        raw = pd.read_csv(_real(OFGL), sep=";", dtype=str, encoding="utf-8-sig")
        communes = raw.drop_duplicates("Code Insee 2024 Commune")
        assert len(communes) == 32
        ours = bm.assign_strata(pd.to_numeric(communes["Population totale"]), "ofgl")
        theirs = communes["Strate population 2024"].astype(int)
        assert (ours.to_numpy() == theirs.to_numpy()).all()
        # avec la population du référentiel (millésime différent) aussi
        ref = load_territories("commune").set_index("code")["population"]
        ours_ref = bm.assign_strata(communes["Code Insee 2024 Commune"].map(ref), "ofgl")
        assert (ours_ref.to_numpy() == theirs.to_numpy()).all()

    def test_effectif_de_la_strate_de_clairval(self) -> None:
        communes = load_territories("commune")
        assert int((bm.assign_strata(communes["population"]) == 11).sum()) == 106


# --------------------------------------------------------------------------- pairs
def _territories() -> pd.DataFrame:
    rows = [("10001", "Aube-A", 40000, "10", "R1"), ("10002", "Aube-B", 36000, "10", "R1"),
            ("11003", "Aude-C", 48000, "11", "R1"), ("30004", "Gard-D", 45000, "30", "R2"),
            ("30005", "Gard-E", 60000, "30", "R2"), ("30006", "Gard-F", 34999, "30", "R2"),
            ("30007", "Gard-G", 35000, "30", "R2"), ("40008", "Landes-H", 49999, "40", "R3")]
    df = pd.DataFrame(rows, columns=["code", "nom", "population", "dep", "reg"])
    return df.assign(niveau="commune", type="commune")


PROFILE = {"code": "99999", "nom": "Testville", "niveau": "commune", "type": "commune",
           "population": 42000, "dep": "10", "reg": "R1"}


class TestSelectPeers:
    def test_meme_strate(self) -> None:
        peers = bm.select_peers(PROFILE, _territories(), strata="dgf")
        # strate 11 : 35 000-49 999 → sans 30005 (60 000) ni 30006 (34 999)
        assert sorted(peers["code"]) == ["10001", "10002", "11003", "30004", "30007", "40008"]
        assert (peers["strate"] == 11).all()
        assert peers.attrs["criteres"] == ["même strate DGF (35 000 à 49 999 habitants)"]
        assert "Testville comparée à 6 communes" in peers.attrs["description"]

    def test_combinaison_strate_et_region_avertit_si_petit(self) -> None:
        with pytest.warns(bm.SmallGroupWarning, match="3 pair"):
            peers = bm.select_peers(PROFILE, _territories(), strata="dgf", same="region")
        assert sorted(peers["code"]) == ["10001", "10002", "11003"]
        with pytest.warns(bm.SmallGroupWarning):
            peers = bm.select_peers(PROFILE, _territories(), strata=None,
                                    same=["region", "departement"])
        assert sorted(peers["code"]) == ["10001", "10002"]

    def test_pas_d_avertissement_a_cinq(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            peers = bm.select_peers(PROFILE, _territories(), strata="dgf", min_peers=5)
        assert len(peers) == 6

    def test_liste_de_codes(self) -> None:
        with pytest.warns(bm.BenchmarkWarning, match="99998"):
            peers = bm.select_peers(PROFILE, _territories(), strata=None,
                                    codes=["10001", "30005", "99998", "30006", "30004",
                                           "40008"])
        assert sorted(peers["code"]) == ["10001", "30004", "30005", "30006", "40008"]
        assert "liste de 5 code(s)" in peers.attrs["criteres"][0]

    def test_liste_de_codes_reels_anciens_et_sans_zero(self) -> None:
        prof = bm.profile_from_config({"code_insee": "07999", "nom": "Clairval",
                                       "population": 42000})
        with pytest.warns(bm.BenchmarkWarning, match="Fourqueux"):
            peers = bm.select_peers(prof, strata=None, codes=["1053", "78251", "2b033",
                                                              "26198", "38151"])
        assert sorted(peers["code"]) == ["01053", "26198", "2B033", "38151", "78551"]

    def test_plus_proches_voisins_une_variable(self) -> None:
        peers = bm.select_peers(PROFILE, _territories(), strata="dgf", nearest=["population"],
                                k=2, min_peers=2)
        # |pop - 42 000| : 10001 → 2 000, 30004 → 3 000, 10002 → 6 000…
        assert peers["code"].tolist() == ["10001", "30004"]
        assert peers["distance"].is_monotonic_increasing

    def test_plus_proches_voisins_deux_variables(self) -> None:
        terr = _territories()
        features = pd.DataFrame({"code": terr["code"].tolist() + ["99999"],
                                 "x": [1.0, 5.0, 2.0, 9.0, 3.0, 4.0, 7.0, 8.0, 2.5]})
        peers = bm.select_peers(PROFILE, terr, strata=None, nearest=["population", "x"], k=3,
                                features=features, min_peers=3)
        # calcul indépendant : variables centrées réduites sur candidats + collectivité
        table = terr.merge(features, on="code")
        both = np.vstack([table[["population", "x"]].to_numpy(float), [42000.0, 2.5]])
        std = both.std(axis=0, ddof=1)
        dist = np.sqrt((((table[["population", "x"]].to_numpy(float) - [42000.0, 2.5])
                         / std) ** 2).sum(axis=1))
        expected = table.assign(d=dist).sort_values("d")["code"].head(3).tolist()
        assert peers["code"].tolist() == expected
        assert np.allclose(peers["distance"], np.sort(dist)[:3])

    def test_groupe_vide(self) -> None:
        with pytest.raises(DataError, match="Aucun territoire"):
            bm.select_peers({**PROFILE, "population": 500_000}, _territories(), strata="dgf")

    def test_criteres_inconnus_ou_impossibles(self) -> None:
        with pytest.raises(KitError, match="Critère « canton » inconnu"):
            bm.select_peers(PROFILE, _territories(), same="canton")
        with pytest.raises(KitError, match="concernent le niveau « epci »"):
            bm.select_peers(PROFILE, _territories(), strata="epci")
        with pytest.raises(KitError, match="features"):
            bm.select_peers(PROFILE, _territories(), nearest=["densite"])

    def test_resume_du_groupe(self) -> None:
        peers = bm.select_peers(PROFILE, _territories(), strata="dgf")
        summary = bm.peer_group_summary(peers).set_index("élément")["valeur"]
        assert summary["Nombre de pairs"] == "6"
        assert summary["Population des pairs"] == "de 35\u202f000 à 49\u202f999 habitants (médiane 42\u202f500)"
        assert "Testville (99999), 42\u202f000 habitants" == summary["Collectivité"]

    def test_vrais_pairs_de_clairval(self) -> None:
        prof = bm.profile_from_config({"code_insee": "07999", "nom": "Clairval",
                                       "population": 42000})
        peers = bm.select_peers(prof, strata="dgf", same="region")
        assert len(peers) == 14 and set(peers["reg"]) == {"84"}
        assert "01053" in set(peers["code"])  # Bourg-en-Bresse


class TestProfile:
    def test_collectivite_hors_referentiel(self) -> None:
        prof = bm.profile_from_config({"code_insee": "07999", "nom": "Ville de Clairval",
                                       "population": 42000})
        assert (prof["code"], prof["dep"], prof["reg"], prof["dans_referentiel"]) == \
            ("07999", "07", "84", False)

    def test_commune_du_referentiel(self) -> None:
        prof = bm.profile_from_config({"code_insee": 1053})  # zéro initial perdu
        assert prof["code"] == "01053" and prof["nom"] == "Bourg-en-Bresse"
        assert prof["population"] == 42372 and prof["reg"] == "84"
        assert prof["dans_referentiel"]

    def test_ancien_code_et_erreurs(self) -> None:
        assert bm.profile_from_config({"code_insee": "78251"})["code"] == "78551"
        with pytest.raises(KitError, match="code_insee"):
            bm.profile_from_config({"nom": "Sans code"})
        with pytest.raises(KitError, match="Population"):
            bm.profile_from_config({"code_insee": "07999"})


# --------------------------------------------------------------------------- positions
def _values_small() -> pd.DataFrame:
    """Groupe 1 (a b c d e) et groupe 2 (f g) ; e sans valeur, z sans groupe."""
    return pd.DataFrame({
        "code": ["a", "b", "c", "d", "e", "f", "g", "z", "a"],
        "indicateur": "x",
        "annee": [2024] * 8 + [2025],
        "valeur": [10.0, 20.0, 20.0, 40.0, np.nan, 5.0, 15.0, 1.0, 7.0],
    })


GROUPS = pd.DataFrame({"code": list("abcdefg"), "strate": [1, 1, 1, 1, 1, 2, 2]})

# groupe 1, 2024 : valeurs 10, 20, 20, 40 (n = 4, médiane (20 + 20) / 2 = 20)
#   a = 10 : 1 valeur ≤ → percentile 25, quartile 1 ; 3 valeurs > → rang 4 ; écart −10 (−50 %)
#   b = c = 20 : 3 valeurs ≤ → 75, quartile 3 ; 1 valeur > → rang 2 ; écart 0
#   d = 40 : 100, quartile 4, rang 1, écart +20 (+100 %)
# groupe 2, 2024 : 5, 15 (médiane 10) : f → 50, quartile 2, rang 2 ; g → 100, 4, 1
# groupe 1, 2025 : a seul = 7 → 100, quartile 4, rang 1, écart 0
EXPECTED = {
    ("a", 2024): (4, 25.0, 1, 20.0, -10.0, -50.0, 4),
    ("b", 2024): (2, 75.0, 3, 20.0, 0.0, 0.0, 4),
    ("c", 2024): (2, 75.0, 3, 20.0, 0.0, 0.0, 4),
    ("d", 2024): (1, 100.0, 4, 20.0, 20.0, 100.0, 4),
    ("f", 2024): (2, 50.0, 2, 10.0, -5.0, -50.0, 2),
    ("g", 2024): (1, 100.0, 4, 10.0, 5.0, 50.0, 2),
    ("a", 2025): (1, 100.0, 4, 7.0, 0.0, 0.0, 1),
}
ALL_COLUMNS = ["rang", "percentile", "quartile", "mediane", "ecart", "ecart_pct", "n"]


ENGINES = ["pandas", "numpy", "duckdb"]


def _by_key(res: pd.DataFrame) -> pd.DataFrame:
    res = res.astype({"code": str, "indicateur": str, "annee": int})
    return res.sort_values(["indicateur", "annee", "code"]).reset_index(drop=True)


class TestPositionAll:
    @pytest.mark.parametrize("engine", ENGINES)
    def test_valeurs_calculees_a_la_main(self, engine: str) -> None:
        res = bm.position_all(_values_small(), GROUPS, columns=ALL_COLUMNS, engine=engine)
        res = res.astype({"code": str, "indicateur": str})
        assert len(res) == 9  # une ligne par ligne reçue
        kept = res[res["rang"].notna()]
        got = {(r.code, int(r.annee)): (int(r.rang), float(r.percentile), int(r.quartile),
                                        float(r.mediane), float(r.ecart), float(r.ecart_pct),
                                        int(r.n)) for r in kept.itertuples()}
        assert got == EXPECTED
        # e (vide) et z (sans groupe) : position vide, comptée
        assert sorted(res.loc[res["rang"].isna(), "code"]) == ["e", "z"]
        assert res.loc[res["rang"].isna(), ["percentile", "quartile", "ecart"]].isna().all().all()
        assert res.attrs["lignes_ecartees"] == 2

    @pytest.mark.parametrize("engine", ["pandas", "numpy"])
    def test_ordre_des_lignes_conserve(self, engine: str) -> None:
        res = bm.position_all(_values_small(), GROUPS, engine=engine)
        assert res["code"].astype(str).tolist() == _values_small()["code"].tolist()

    @pytest.mark.parametrize("engine", ENGINES)
    def test_mediane_nulle(self, engine: str) -> None:
        values = pd.DataFrame({"code": ["a", "b", "c"], "indicateur": "x", "annee": 2024,
                               "valeur": [-1.0, 0.0, 1.0]})
        res = _by_key(bm.position_all(values, GROUPS, columns=["ecart", "ecart_pct"],
                                      engine=engine))
        assert res["ecart"].astype(float).tolist() == [-1.0, 0.0, 1.0]
        assert res["ecart_pct"].isna().all()

    @pytest.mark.parametrize("engine", ENGINES)
    def test_fichier_parquet(self, engine: str, tmp_path: Path) -> None:
        src = tmp_path / "valeurs.parquet"
        _values_small().to_parquet(src)
        res = bm.position_all(src, GROUPS, columns=["rang", "groupe"], engine=engine)
        res = res.astype({"code": str})
        assert len(res) == 9
        assert res.set_index(["code", "annee"]).loc[("a", 2024), "rang"] == 4
        assert set(res["groupe"].dropna()) == {1, 2}

    def test_sortie_parquet_au_fil_de_l_eau(self, tmp_path: Path) -> None:
        src = tmp_path / "valeurs.parquet"
        _values_small().to_parquet(src)
        out = bm.position_all(src, GROUPS, columns=["rang", "groupe"], output=tmp_path / "o.pq")
        res = pd.read_parquet(out).astype({"code": str})
        assert len(res) == 9 and res["rang"].isna().sum() == 2
        assert res.set_index(["code", "annee"]).loc[("d", 2024), "rang"] == 1

    def test_moteurs_identiques_sur_donnees_aleatoires(self) -> None:
        rng = np.random.default_rng(3)
        n = 30_000
        values = pd.DataFrame({"code": [f"c{i:04d}" for i in rng.integers(0, 3000, n)],
                               "indicateur": rng.choice(["x", "y", "z"], n),
                               "annee": rng.integers(2019, 2023, n),
                               "valeur": rng.integers(0, 15, n).astype(float)})
        values = values.drop_duplicates(["code", "indicateur", "annee"])
        values.loc[values.index[::97], "valeur"] = np.nan
        groups = pd.DataFrame({"code": [f"c{i:04d}" for i in range(2900)],
                               "strate": rng.choice(["A", "B", "C"], 2900)})
        cols = ["rang", "percentile", "quartile", "ecart", "mediane", "n", "ecart_pct"]
        results = {e: _by_key(bm.position_all(values, groups, columns=cols, engine=e,
                                              chunk_rows=5000 if e == "duckdb" else None))
                   for e in ENGINES}
        a = results["pandas"]
        for engine in ("numpy", "duckdb"):
            b = results[engine]
            assert (a["code"] == b["code"]).all()
            for col in cols:
                x, y = a[col].to_numpy(float, na_value=np.nan), \
                    b[col].to_numpy(float, na_value=np.nan)
                assert np.allclose(x, y, rtol=1e-12, atol=0, equal_nan=True), (engine, col)
        # calcul indépendant : pandas rank(method="max", pct=True) = cume_dist
        ref = values.merge(groups, on="code").dropna(subset=["valeur"])
        ref["pct"] = ref.groupby(["strate", "indicateur", "annee"])["valeur"].rank(
            method="max", pct=True) * 100
        merged = a.merge(ref, on=["code", "indicateur", "annee"])
        assert len(merged) == len(ref) == a["rang"].notna().sum()
        assert np.allclose(merged["percentile"], merged["pct"], rtol=0, atol=1e-12)

    def test_erreurs(self) -> None:
        with pytest.raises(DataError, match="plusieurs fois"):
            bm.position_all(_values_small(), pd.DataFrame({"code": ["a", "a"], "strate": [1, 2]}))
        with pytest.raises(DataError, match="strate"):
            bm.position_all(_values_small(), pd.DataFrame({"code": ["a"], "groupe": [1]}))
        with pytest.raises(DataError, match="valeur"):
            bm.position_all(_values_small().drop(columns="valeur"), GROUPS)
        with pytest.raises(KitError, match="inconnue"):
            bm.position_all(_values_small(), GROUPS, columns=["rang", "decile"])
        with pytest.raises(KitError, match="Moteur inconnu"):
            bm.position_all(_values_small(), GROUPS, engine="spark")

    def test_resume_des_groupes(self) -> None:
        s = bm.summarize_groups(_values_small(), GROUPS)
        row = s[(s["groupe"] == 1) & (s["annee"] == 2024)].iloc[0]
        # 10, 20, 20, 40 : q1 = 17,5 ; médiane 20 ; q3 = 25 ; moyenne 22,5
        assert (row["n"], row["q1"], row["mediane"], row["q3"], row["moyenne"]) == \
            (4, 17.5, 20.0, 25.0, 22.5)


SMALL_PEERS = pd.DataFrame({"code": list("abcde"), "nom": list("ABCDE"),
                            "population": [40000, 41000, 43000, 44000, 45000]})
ME = {"code": "moi", "nom": "Moi", "population": 42000}


def _values_position() -> pd.DataFrame:
    rows = []
    for code, v2024, v2025 in [("moi", 30, 33), ("a", 10, 10), ("b", 20, 21), ("c", 30, 30),
                               ("d", 40, 44), ("e", 50, 50)]:
        rows += [(code, "omr", 2024, float(v2024)), (code, "omr", 2025, float(v2025))]
    rows += [("moi", "taux", 2025, 60.0), ("a", "taux", 2025, 50.0), ("b", "taux", 2025, 70.0)]
    df = pd.DataFrame(rows, columns=["code", "indicateur", "annee", "valeur"])
    df["sens"] = df["indicateur"].map({"omr": "baisse", "taux": "hausse"})
    df["unite"] = df["indicateur"].map({"omr": "kg/hab", "taux": "%"})
    df["libelle"] = df["indicateur"].map({"omr": "OMR", "taux": "Taux"})
    return df


class TestPosition:
    def test_valeurs_calculees_a_la_main(self) -> None:
        with pytest.warns(bm.SmallGroupWarning, match="taux"):
            pos = bm.position(_values_position(), SMALL_PEERS, profile=ME)
        row = pos[(pos["indicateur"] == "omr") & (pos["annee"] == 2024)].iloc[0]
        # groupe : 10, 20, 30, 30 (moi), 40, 50 ; n = 6
        assert (row["rang"], row["sur"], row["n_pairs"]) == (3, 6, 5)  # 40 et 50 au-dessus
        assert row["percentile"] == pytest.approx(100 * 4 / 6)  # 10, 20, 30, 30 ≤ 30
        assert row["quartile"] == 3  # ceil(4 × 4/6) = ceil(2,67)
        # sens « baisse » : part du groupe ≥ 30 = 30, 30, 40, 50 → 4/6
        assert row["percentile_favorable"] == pytest.approx(100 * 4 / 6)
        assert (row["mediane"], row["q1"], row["q3"]) == (30.0, 22.5, 37.5)
        assert (row["moyenne"], row["ecart_mediane"], row["zscore"]) == (30.0, 0.0, 0.0)
        assert row["ecart_type"] == pytest.approx(np.std([10, 20, 30, 30, 40, 50], ddof=1))
        assert row["alerte"] == ""

    def test_annee_recente_et_indicateur_rare(self) -> None:
        with pytest.warns(bm.SmallGroupWarning):
            pos = bm.position(_values_position(), SMALL_PEERS, profile=ME, latest=True)
        assert pos["annee"].tolist() == [2025, 2025]
        omr = pos.set_index("indicateur").loc["omr"]
        # 2025 : 10, 21, 30, 33 (moi), 44, 50 → 2 au-dessus : rang 3 ; médiane (30+33)/2
        assert (omr["rang"], omr["mediane"]) == (3, 31.5)
        assert omr["ecart_mediane_pct"] == pytest.approx(100 * 1.5 / 31.5)
        taux = pos.set_index("indicateur").loc["taux"]
        # 50, 60 (moi), 70 : sens hausse → percentile favorable = part ≤ = 2/3
        assert taux["percentile_favorable"] == pytest.approx(200 / 3)
        assert "seulement 2 pair(s)" in taux["alerte"]

    def test_valeur_manquante_de_la_collectivite(self) -> None:
        values = _values_position()
        values = values[~((values["code"] == "moi") & (values["annee"] == 2024))]
        pos = bm.position(values, SMALL_PEERS, profile=ME, year=2024)
        assert math.isnan(pos.iloc[0]["valeur"]) and pd.isna(pos.iloc[0]["rang"])
        assert "pas de valeur pour Moi" in pos.iloc[0]["alerte"]

    def test_evolution(self) -> None:
        evo = bm.compare_evolution(_values_position(), SMALL_PEERS, profile=ME)
        omr = evo.set_index("indicateur").loc["omr"]
        # moi : 30 → 33 = +10 % ; pairs : 0 %, +5 %, 0 %, +10 %, 0 % → médiane 0 %
        assert omr["evolution"] == pytest.approx(10.0)
        assert omr["evolution_mediane_pairs"] == pytest.approx(0.0)
        assert omr["appreciation"] == "moins favorable que les pairs"  # sens baisse
        assert omr["lecture"].startswith("+10,0 % entre 2024 et 2025")

    def test_evolution_en_points(self) -> None:
        values = pd.DataFrame({"code": ["moi", "moi", "a", "a"], "indicateur": "t",
                               "annee": [2020, 2025, 2020, 2025],
                               "valeur": [40.0, 45.0, 50.0, 51.0], "unite": "%",
                               "sens": "hausse"})
        evo = bm.compare_evolution(values, SMALL_PEERS, profile=ME).iloc[0]
        assert (evo["evolution"], evo["evolution_mediane_pairs"], evo["unite_evolution"]) == \
            (5.0, 1.0, "points")
        assert evo["appreciation"] == "plus favorable que les pairs"

    def test_serie_et_valeurs_des_pairs(self) -> None:
        trend = bm.peer_trend(_values_position(), SMALL_PEERS, "omr", profile=ME)
        assert trend["annee"].tolist() == [2024, 2025]
        assert trend["mediane"].tolist() == [30.0, 31.5]
        assert trend["valeur"].tolist() == [30.0, 33.0]
        dist = bm.peer_values(_values_position(), SMALL_PEERS, "omr", profile=ME)
        assert dist.attrs["annee"] == 2025
        assert dist["valeur"].tolist() == [50.0, 44.0, 33.0, 30.0, 21.0, 10.0]
        assert dist.loc[dist["collectivite"], "rang"].item() == 3
        assert dist.loc[dist["collectivite"], "nom"].item() == "Moi"

    def test_tableau_comparateur(self) -> None:
        table = bm.comparison_table(_values_position(), SMALL_PEERS, ["a", "e"], profile=ME)
        assert list(table.columns) == ["Indicateur", "Unité", "Année", "Moi", "A", "E",
                                       "Médiane des pairs"]
        omr = table.set_index("Indicateur").loc["OMR"]
        assert (omr["Moi"], omr["A"], omr["E"], omr["Médiane des pairs"]) == \
            (33.0, 10.0, 50.0, 31.5)
        assert math.isnan(table.set_index("Indicateur").loc["Taux", "E"])
        with pytest.raises(DataError, match="zz"):
            bm.comparison_table(_values_position(), SMALL_PEERS, ["zz"], profile=ME)

    def test_par_habitant(self) -> None:
        values = pd.DataFrame({"code": ["moi", "a"], "indicateur": "dette", "annee": 2025,
                               "valeur": [4_200_000.0, 8_000_000.0], "unite": "€",
                               "libelle": "Dette"})
        peers = SMALL_PEERS.copy()
        peers.attrs["profile"] = ME
        out = bm.per_inhabitant(values, bm.population_of(peers), ["dette"])
        assert out["valeur"].tolist() == [100.0, 200.0]
        assert out["unite"].tolist() == ["€/hab", "€/hab"]
        assert out["indicateur"].tolist() == ["dette_hab", "dette_hab"]

    def test_profil_absent(self) -> None:
        with pytest.raises(KitError, match="Profil de la collectivité inconnu"):
            bm.position(_values_position(), SMALL_PEERS)


# --------------------------------------------------------------------------- indicateurs
class TestCheckIndicators:
    def test_codes_doublons_valeurs(self) -> None:
        raw = pd.DataFrame({
            "Code INSEE": ["1053", "2b033", "78251", "69152", "69149", "99999", "", "01004",
                           "01004", "01005", "01005", "01006", "01007", "01008"],
            "Indicateur": "omr",
            "Année": [2024, 2024, 2019, 2023, 2023, 2024, 2024, 2024, 2024, 2024, 2024, 2024,
                      2024, "deux mille"],
            "Valeur": ["210", 220.0, 230.0, 240.0, 250.0, 260.0, 1.0, 5.0, 5.0, 6.0, 7.0, "",
                       "abc", 8.0],
        })
        clean = bm.check_indicators(raw)
        assert sorted(zip(clean["code"], clean["annee"], clean["valeur"])) == [
            ("01004", 2024, 5.0), ("01053", 2024, 210.0), ("2B033", 2024, 220.0),
            ("69149", 2023, 250.0), ("78551", 2019, 230.0)]
        problems = bm.anomalies(clean).set_index("code_saisi")["probleme"]
        assert "zéro initial rétabli" in problems["1053"]
        assert problems["2b033"].startswith("code corrigé")
        assert "Fourqueux" in problems["78251"]
        assert "commune actuelle a aussi une valeur" in problems["69152"]
        assert problems["99999"].startswith("code inconnu")
        assert problems[""] == "code vide"
        assert problems["01004"] == "doublon identique"
        assert set(problems["01005"]) == {"doublon aux valeurs différentes"}
        assert problems["01006"] == "valeur manquante"
        assert problems["01007"] == "valeur non numérique"
        assert problems["01008"] == "année illisible"

    def test_colonnes_manquantes(self) -> None:
        with pytest.raises(DataError, match="annee, valeur"):
            bm.check_indicators(pd.DataFrame({"code": ["01004"], "indicateur": ["x"]}))

    def test_sens(self) -> None:
        base = {"code": ["01004", "01005"], "indicateur": "x", "annee": 2024,
                "valeur": [1.0, 2.0]}
        with pytest.raises(DataError, match="sens contradictoires"):
            bm.check_indicators(pd.DataFrame({**base, "sens": ["hausse", "baisse"]}))
        with pytest.raises(DataError, match="'mieux'"):
            bm.check_indicators(pd.DataFrame({**base, "sens": ["mieux", "mieux"]}))
        ok = bm.check_indicators(pd.DataFrame({**base, "sens": ["+", "+"]}))
        assert set(ok["sens"]) == {"hausse"}

    def test_aucune_ligne_exploitable(self) -> None:
        with pytest.raises(DataError, match="aucune ligne exploitable"):
            bm.check_indicators(pd.DataFrame({"code": ["99999"], "indicateur": ["x"],
                                              "annee": [2024], "valeur": [1.0]}))


# --------------------------------------------------------------------------- exemple
@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("exemple")
    write_benchmark_samples(dest)
    return dest / "benchmark"


@pytest.fixture(scope="module")
def clairval(sample: Path) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    prof = bm.profile_from_config({"code_insee": "07999", "nom": "Ville de Clairval",
                                   "population": 42000})
    values = bm.load_indicators(sample / "indicateurs_pairs.csv",
                                definitions=sample / "indicateurs_definitions.csv",
                                known=[prof["code"]])
    peers = bm.select_peers(prof, strata="dgf")
    return prof, values, peers


class TestSamples:
    def test_deterministe(self, sample: Path, tmp_path: Path) -> None:
        again = write_benchmark_samples(tmp_path)
        for path in again:
            assert path.read_bytes() == (sample / path.name).read_bytes(), path.name

    def test_readme_valeurs_fictives(self, sample: Path) -> None:
        text = (sample / "README.md").read_text(encoding="utf-8")
        assert "valeurs fictives à titre d'exemple" in text
        assert "fictive" in (sample / "indicateurs_definitions.csv").read_text(encoding="utf-8")

    def test_pieges_presents_et_signales(self, clairval: tuple) -> None:
        _, values, _ = clairval
        problems = bm.anomalies(values)
        by_code = problems.groupby("code_saisi")["probleme"].first()
        assert "zéro initial rétabli" in by_code[TRAPS["zero_initial_perdu"]["code_ecrit"]]
        assert by_code["2b033"].startswith("code corrigé")
        assert "Saint-Germain-en-Laye" in by_code["78251"]
        assert "commune actuelle a aussi une valeur" in by_code["69152"]
        assert by_code["69999"].startswith("code inconnu")
        assert (problems["probleme"] == "valeur manquante").sum() == 1
        assert "07999" not in set(problems["code_saisi"])  # la collectivité est acceptée
        assert "07999" in set(values["code"])

    def test_pairs_et_indicateur_rare(self, clairval: tuple) -> None:
        _, values, peers = clairval
        assert len(peers) == 106
        with pytest.warns(bm.SmallGroupWarning, match="vehicules_electriques"):
            pos = bm.position(values, peers, latest=True)
        rare = pos.set_index("indicateur").loc["vehicules_electriques"]
        assert rare["n_pairs"] == 3 and "seulement 3 pair(s)" in rare["alerte"]
        ok = pos[pos["indicateur"] != "vehicules_electriques"]
        assert (ok["n_pairs"] >= 100).all() and (ok["alerte"] == "").all()


@pytest.fixture(scope="module")
def figures(clairval: tuple) -> dict[str, go.Figure]:
    _, values, peers = clairval
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bm.SmallGroupWarning)
        positions = bm.position(values, peers, latest=True)
    dist = bm.peer_values(values, peers, "omr")
    return {"distribution": plot_peer_distribution(dist),
            "classement": plot_peer_ranking(dist),
            "profil": plot_percentile_profile(positions),
            "evolution": plot_peer_trend(bm.peer_trend(values, peers, "eclairage")),
            "tableau": plot_comparison_table(bm.comparison_table(values, peers))}


class TestCharts:
    def test_titres_et_sources(self, figures: dict[str, go.Figure]) -> None:
        for name, fig in figures.items():
            assert "Clairval" in fig.layout.title.text, name
            sources = [a.text for a in fig.layout.annotations if a.text.startswith("Source")]
            assert sources and "valeurs fictives à titre d'exemple" in sources[0], name

    def test_collectivite_en_bleu(self, figures: dict[str, go.Figure]) -> None:
        dist = figures["distribution"]
        assert any(t.marker.color == PALETTE[0] for t in dist.data if t.type == "scatter")
        colors = list(figures["classement"].data[0].marker.color)
        assert colors.count(PALETTE[0]) == 1 and len(colors) == 107

    def test_profil_meilleur_a_droite(self, figures: dict[str, go.Figure]) -> None:
        fig = figures["profil"]
        assert list(fig.layout.xaxis.ticktext)[-1].endswith("mieux")
        assert "véhicules électriques" in fig.layout.title.text  # écarté et signalé


# --------------------------------------------------------------------------- données réelles
def _dotations_long() -> pd.DataFrame:
    raw = pd.read_csv(_real(DOTATIONS), dtype=str, keep_default_na=False)
    long = raw.melt(id_vars=["code collectivite"], value_vars=["avantp_hab", "apresp_hab"],
                    var_name="indicateur", value_name="valeur")
    return long.rename(columns={"code collectivite": "code_insee"}).assign(annee=2020)


@pytest.fixture(scope="module")
def dotations() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bm.check_indicators(_dotations_long())


def _strata_groups() -> pd.DataFrame:
    communes = load_territories("commune")
    return communes.assign(strate=bm.assign_strata(communes["population"], "dgf"))[
        ["code", "strate"]]


class TestRealData:
    def test_controle_des_codes_reels(self, dotations: pd.DataFrame) -> None:
        problems = bm.anomalies(dotations)
        kinds = problems["probleme"].str.split(" :").str[0].value_counts()
        assert kinds["ancien code"] > 0 and kinds["code inconnu"] > 0
        # Fayet (02303) figure deux fois : même valeur après péréquation (gardée une fois),
        # valeurs différentes avant (les deux lignes écartées)
        dup = problems[problems["code_saisi"] == "02303"].groupby("indicateur")["probleme"]
        assert dup.first().to_dict() == {"apresp_hab": "doublon identique",
                                         "avantp_hab": "doublon aux valeurs différentes"}
        assert dup.size().to_dict() == {"apresp_hab": 1, "avantp_hab": 2}
        fayet = dotations[dotations["code"] == "02303"]
        assert fayet["indicateur"].tolist() == ["apresp_hab"]
        assert dotations.duplicated(["code", "indicateur", "annee"]).sum() == 0
        assert len(dotations) > 2 * 34_000

    @pytest.mark.parametrize("engine", ["numpy", "duckdb"])
    def test_toutes_les_communes_dans_leur_strate(self, dotations: pd.DataFrame,
                                                   engine: str) -> None:
        """Le kit contre un calcul indépendant (pandas rank, numpy searchsorted)."""
        groups = _strata_groups()
        res = bm.position_all(dotations, groups, engine=engine,
                              columns=["rang", "percentile", "quartile", "mediane", "ecart"])
        res = res.astype({"code": str, "indicateur": str, "annee": int})
        res = res[res["rang"].notna()]
        ref = dotations.merge(groups, on="code")
        keys = ["strate", "indicateur", "annee"]
        ref["pct"] = ref.groupby(keys)["valeur"].rank(method="max", pct=True) * 100
        ref["med"] = ref.groupby(keys)["valeur"].transform("median")
        ref["rang_ref"] = 0
        for _, idx in ref.groupby(keys).groups.items():
            vals = ref.loc[idx, "valeur"].to_numpy()
            ordered = np.sort(vals)
            greater = len(vals) - np.searchsorted(ordered, vals, side="right")
            ref.loc[idx, "rang_ref"] = greater + 1
        merged = res.merge(ref, on=["code", "indicateur", "annee"], validate="1:1")
        assert len(merged) == len(ref) > 60_000
        assert np.allclose(merged["percentile"], merged["pct"], rtol=0, atol=1e-9)
        assert (merged["rang"].astype(int) == merged["rang_ref"]).all()
        assert np.allclose(merged["mediane"].astype(float), merged["med"], rtol=1e-12)
        assert np.allclose(merged["ecart"].astype(float), merged["valeur"] - merged["med"],
                           atol=1e-9)
        expected_q = np.ceil(merged["pct"] / 25).astype(int)
        assert (merged["quartile"].astype(int) == expected_q).all()

    def test_une_commune_reelle_parmi_ses_pairs(self, dotations: pd.DataFrame) -> None:
        prof = bm.profile_from_config({"code_insee": "01053"})  # Bourg-en-Bresse
        peers = bm.select_peers(prof, strata="dgf")
        pos = bm.position(dotations, peers).set_index("indicateur")
        group = dotations[dotations["code"].isin(set(peers["code"]) | {"01053"})]
        for ind in ("avantp_hab", "apresp_hab"):
            vals = group.loc[group["indicateur"] == ind].set_index("code")["valeur"]
            own = vals["01053"]
            assert pos.loc[ind, "sur"] == len(vals)
            assert pos.loc[ind, "rang"] == int((vals > own).sum()) + 1
            assert pos.loc[ind, "percentile"] == pytest.approx(100 * (vals <= own).mean())
            assert pos.loc[ind, "mediane"] == pytest.approx(vals.median())

    @pytest.mark.parametrize("engine", ["numpy", "duckdb"])
    def test_comptes_ofgl_guadeloupe(self, engine: str) -> None:
        raw = pd.read_csv(_real(OFGL), sep=";", dtype=str, encoding="utf-8-sig")
        main = raw[(raw["Type de budget"] == "Budget principal")]
        long = pd.DataFrame({"code": main["Code Insee 2024 Commune"],
                             "indicateur": main["Agrégat"], "annee": main["Exercice"],
                             "valeur": main["Montant en € par habitant"]})
        values = bm.check_indicators(long)
        assert bm.anomalies(values).empty
        strata = main.drop_duplicates("Code Insee 2024 Commune")
        groups = pd.DataFrame({"code": strata["Code Insee 2024 Commune"],
                               "strate": strata["Strate population 2024"].astype(int)})
        res = bm.position_all(values, groups, engine=engine,
                              columns=["rang", "percentile", "n"]).astype(
            {"code": str, "indicateur": str, "annee": int})
        assert res.attrs["lignes_ecartees"] == 0
        ref = values.merge(groups, on="code")
        ref["pct"] = ref.groupby(["strate", "indicateur"])["valeur"].rank(
            method="max", pct=True) * 100
        ref["rang_ref"] = ref.groupby(["strate", "indicateur"])["valeur"].rank(
            method="min", ascending=False)
        merged = res.merge(ref, on=["code", "indicateur", "annee"], validate="1:1")
        assert len(merged) == len(ref) > 1000
        assert np.allclose(merged["percentile"].astype(float), merged["pct"], atol=1e-9)
        assert (merged["rang"].astype(int) == merged["rang_ref"]).all()
        # strate 9 (50 000 à 99 999) : Les Abymes seule → groupe d'une commune
        abymes = merged[merged["code"] == "97101"]
        assert (abymes["n"] == 1).all() and (abymes["percentile"] == 100).all()


def test_load_from_config_names_the_missing_key(tmp_path):
    from kit.errors import ConfigError

    with pytest.raises(ConfigError, match="section « benchmark » avec la clé « indicateurs »"):
        bm.load_from_config({"nom": "x"})
    with pytest.raises(ConfigError, match="benchmark.indicateurs.*absente.csv"):
        bm.load_from_config({"_dossier": str(tmp_path), "code_insee": "07999",
                             "benchmark": {"indicateurs": "absente.csv"}})
