"""Étape 2 — priorisation : complexités tirées de l'inventaire, scores, choix, solidité du choix,
groupes de travail, pièges de l'exemple retrouvés avec leur cellule."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kit import priorisation as pr
from kit import workspace
from kit.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "data" / "samples" / "collectivite.yaml"
PIEGES = ROOT / "data" / "samples" / "pieges.json"


def _inventory(rows: list[dict]) -> pd.DataFrame:
    base = {"identifiant": None, "detenteur": "Service", "mode_acces": "Interne",
            "clauses_donnees_dsp": None, "donnees_personnelles": False,
            "reference_registre": None, "qualite": 4, "volume": 100}
    return pd.DataFrame([{**base, **r} for r in rows])


def _cases(rows: list[dict]) -> pd.DataFrame:
    """Cas d'usage tels que les rend `load_many` (fichier, feuille, ligne en plus)."""
    columns = ["code", "titre", "service_porteur", "jeux_donnees", *pr.IMPACTS, *pr.COMPLEXITIES]
    out = pd.DataFrame([{c: r.get(c, np.nan) for c in columns} for r in rows])
    out.insert(0, "ligne", range(2, len(rows) + 2))
    out.insert(0, "feuille", "Données")
    out.insert(0, "fichier", "cas_usage.xlsx")
    out.attrs["lettres"] = {"cas_usage.xlsx": {c: chr(65 + i) for i, c in enumerate(columns)}}
    return out


def _notes(impacts, complexities) -> dict:
    return {**dict(zip(pr.IMPACTS, impacts)), **dict(zip(pr.COMPLEXITIES, complexities))}


class TestDeriveComplexity:
    def test_volume_quality_access_and_personal_data(self):
        inv = _inventory([
            {"identifiant": "A", "volume": 600, "qualite": 3},
            {"identifiant": "B", "volume": 9_500, "qualite": 2, "mode_acces": "Export manuel"},
            {"identifiant": "C", "volume": 5_000_000},  # non cité
        ])
        got = pr.derive_complexity(["A", "B"], inv)
        assert got["complexite_volume"][0] == 3  # 10 100 lignes : de 10 000 à 99 999
        assert "10\u202f100 lignes" in got["complexite_volume"][1]
        assert got["complexite_qualite"] == (4, "B : qualité 2 sur 4")  # la pire : 2 → 4
        assert got["complexite_acces"] == (3, "B : export manuel")
        assert got["complexite_rgpd"] == (1, "aucune donnée personnelle")

    @pytest.mark.parametrize("total,note", [(999, 1), (1_000, 2), (99_999, 3), (100_000, 4),
                                            (1_000_000, 5)])
    def test_volume_steps(self, total, note):
        got = pr.derive_complexity(["A"], _inventory([{"identifiant": "A", "volume": total}]))
        assert got["complexite_volume"][0] == note

    @pytest.mark.parametrize("mode,clause,note", [
        ("Interne", None, 1), ("API", None, 2), ("Payant", None, 4), ("Inaccessible", None, 5),
        ("Export manuel", "oui", 3), ("Interne", "inconnu", 3), ("API", "non", 4),
        ("Inaccessible", "non", 5)])
    def test_access_and_delegations(self, mode, clause, note):
        row = {"identifiant": "A", "mode_acces": mode}
        if clause:
            row.update(detenteur="Délégataire (DSP)", clauses_donnees_dsp=clause)
        assert pr.derive_complexity(["A"], _inventory([row]))["complexite_acces"][0] == note

    def test_personal_data_with_and_without_register(self):
        inv = _inventory([
            {"identifiant": "A", "donnees_personnelles": True, "reference_registre": "RT-001"},
            {"identifiant": "B", "donnees_personnelles": True},
        ])
        assert pr.derive_complexity(["A"], inv)["complexite_rgpd"][0] == 4
        assert pr.derive_complexity(["A", "B"], inv)["complexite_rgpd"] == (
            5, "B : données personnelles sans traitement au registre")

    def test_unknown_or_unfilled_gives_nothing(self):
        inv = _inventory([{"identifiant": "A", "volume": None, "qualite": None,
                           "mode_acces": None, "donnees_personnelles": None}])
        assert pr.derive_complexity(["A"], inv) == {}
        assert pr.derive_complexity(["Z"], inv) == {}
        assert pr.derive_complexity(["a"], inv) == {}  # identifiants normalisés par split_ids


class TestScores:
    def test_weighted_means_rank_and_quadrants(self):
        cases = _cases([
            {"code": "CU-01", "titre": "Un", **_notes([4, 5, 4, 3], [2, 2, 4, 1, 1])},
            {"code": "CU-02", "titre": "Deux", **_notes([2, 2, 2, 2], [4, 4, 4, 4, 4])},
            {"code": "CU-03", "titre": "Trois", **_notes([5, 5, 5, 5], [5, 4, 4, 5, 4])},
        ])
        prio = pr.prioritize(cases, weights={"impact_usagers": 2})
        scores = prio.cases.set_index("code")
        assert scores.loc["CU-01", "impact"] == pytest.approx((4 * 2 + 5 + 4 + 3) / 5)
        assert scores.loc["CU-01", "complexite"] == pytest.approx(10 / 5)
        assert scores.loc["CU-03", "complexite"] == pytest.approx(22 / 5)
        assert list(prio.cases["code"]) == ["CU-01", "CU-03", "CU-02"]  # écart 2 ; 0,6 ; -2
        assert scores["quadrant"].to_dict() == {"CU-01": "gain rapide", "CU-03": "projet "
                                                "structurant", "CU-02": "à reporter"}
        assert bool(scores.loc["CU-03", "bloquant"])  # accès noté 5
        assert prio.choice == "CU-01"

    def test_blocked_best_is_not_chosen_and_ties_by_code(self):
        cases = _cases([
            {"code": "CU-09", "titre": "Bloqué", **_notes([5, 5, 5, 5], [1, 1, 1, 5, 1])},
            {"code": "CU-03", "titre": "B", **_notes([3, 3, 3, 3], [2, 2, 2, 2, 2])},
            {"code": "CU-02", "titre": "A", **_notes([3, 3, 3, 3], [2, 2, 2, 2, 2])},
        ])
        prio = pr.prioritize(cases)
        assert list(prio.cases["code"]) == ["CU-09", "CU-02", "CU-03"]
        assert prio.choice == "CU-02"
        text = pr.write_synthesis(prio)
        assert "CU-02" in text and "À égalité avec CU-03" in text
        assert "dépend de données inaccessibles" in text

    def test_missing_note_is_left_out_not_counted_as_zero(self):
        cases = _cases([{"code": "CU-01", "titre": "Un",
                         **_notes([4, np.nan, 2, np.nan], [2, np.nan, np.nan, np.nan, np.nan])}])
        prio = pr.prioritize(cases)
        assert prio.cases.loc[0, "impact"] == 3.0
        missing = prio.criteria[prio.criteria["origine"] == "manquante"]
        assert len(missing) == 6

    def test_rows_without_code_or_repeated_are_not_scored_twice(self):
        cases = _cases([
            {"code": "CU-01", "titre": "Un", **_notes([3] * 4, [2] * 5)},
            {"code": "CU-01", "titre": "Copie", **_notes([5] * 4, [1] * 5)},
            {"code": np.nan, "titre": "Sans code", **_notes([5] * 4, [1] * 5)}])
        prio = pr.prioritize(cases)
        assert prio.cases["code"].tolist() == ["CU-01"]
        assert prio.cases.loc[0, "titre"] == "Un" and len(prio.criteria) == 9

    def test_negative_weight_is_refused(self):
        with pytest.raises(ConfigError, match="Poids négatifs.*impact_usagers"):
            pr.prioritize(_cases([{"code": "CU-01", "titre": "x"}]), weights={"impact_usagers": -1})

    @pytest.mark.parametrize("weights", [{"impact_usagers": "deux"}, ["impact_usagers"]])
    def test_malformed_weights_give_a_french_error(self, weights):
        with pytest.raises(ConfigError, match="priorisation.poids"):
            pr.prioritize(_cases([{"code": "CU-01", "titre": "x"}]), weights=weights)

    def test_unknown_weight_is_refused(self):
        with pytest.raises(ConfigError, match="Poids inconnus.*impact_usager"):
            pr.prioritize(_cases([{"code": "CU-01", "titre": "x"}]), weights={"impact_usager": 2})

    def test_robustness_names_the_criterion_that_changes_the_choice(self):
        cases = _cases([
            {"code": "CU-01", "titre": "Un", **_notes([5, 3, 3, 3], [2, 2, 2, 2, 2])},
            {"code": "CU-02", "titre": "Deux", **_notes([1, 5, 5, 5], [2, 2, 2, 2, 2])},
        ])
        prio = pr.prioritize(cases, weights={"impact_usagers": 3})
        rob = prio.robustness.set_index("variante")
        assert prio.choice == "CU-01"
        assert rob.loc["poids égaux", "cas retenu"] == "CU-02"
        assert rob.loc["sans « service aux habitants »", "cas retenu"] == "CU-02"
        assert bool(rob.loc["sans « qualité »", "même choix"])
        assert len(rob) == 2 + len(pr.IMPACTS) + len(pr.COMPLEXITIES)


class TestInventoryAndGroup:
    def test_blank_complexities_come_from_inventory_and_gaps_are_flagged(self):
        inv = _inventory([{"identifiant": "A", "mode_acces": "Payant", "volume": 50}])
        cases = _cases([
            {"code": "CU-01", "titre": "Un", "jeux_donnees": "A ; X", **_notes(
                [3, 3, 3, 3], [2, np.nan, np.nan, 1, np.nan])}])
        prio = pr.prioritize(cases, inventory=inv)
        crit = prio.criteria.set_index("critere")
        assert crit.loc["complexite_volume", ["note", "origine"]].tolist() == [1, "inventaire"]
        assert crit.loc["complexite_acces", ["note", "origine"]].tolist() == [1, "saisie"]
        codes = prio.problems.set_index("code")
        assert codes.loc["jeu-inconnu", "cellule"] == "D2"  # colonne jeux_donnees, ligne 2
        assert "X, absent de l'inventaire" in codes.loc["jeu-inconnu", "message"]
        assert codes.loc["note-incoherente", "cellule"] == "L2"
        assert "(4 : A : payant)" in codes.loc["note-incoherente", "message"]

    def test_group_statuses(self):
        cases = _cases([
            {"code": "CU-01", "titre": "Un", **_notes([3] * 4, [2, 2, 2, 2, 4])},
            {"code": "CU-02", "titre": "Deux", **_notes([3] * 4, [2, 2, 2, 2, 1])},
            {"code": "CU-03", "titre": "Trois", **_notes([3] * 4, [2, 2, 2, 2, 1])}])
        group = pd.DataFrame([
            ("CU-01", "Élu référent", "adjoint", True), ("CU-01", "DSI", "DSI", False),
            ("CU-01", "Direction métier", "directeur", True),
            ("CU-01", "Société civile", "association", None),
            ("CU-02", "Élu référent", "adjoint", True), ("CU-09", "DSI", "DSI", True)],
            columns=["cas_usage", "role", "fonction", "accord"])
        group["structure"] = None
        group["fichier"], group["feuille"], group["ligne"] = "g.xlsx", "Données", range(2, 8)
        group.attrs.update(fichiers=["g.xlsx"], lettres={"g.xlsx": {"cas_usage": "A"}})
        prio = pr.prioritize(cases, group=group)
        status = prio.group.set_index(["code", "role"])["statut"]
        assert status["CU-01", "Élu référent"] == "engagé"
        assert status["CU-01", "DSI"] == "à confirmer"
        assert status["CU-01", "Société civile"] == "à confirmer"
        assert status["CU-01", "DPO"] == "manquant"  # données personnelles (note 4)
        assert status["CU-02", "DPO"] == "non requis"
        assert status["CU-02", "DSI"] == "manquant"
        assert prio.cases.set_index("code")["groupe_complet"].to_dict() == {
            "CU-01": False, "CU-02": False, "CU-03": False}
        found = prio.problems
        dpo = found[(found["code"] == "role-manquant") & (found["niveau"] == "erreur")]
        assert dpo["message"].str.contains("CU-01 n'a pas de « DPO » alors que").all()
        assert len(dpo) == 1
        assert (found["code"] == "groupe-absent").sum() == 1  # CU-03 : un seul message
        unknown = found[found["code"] == "cas-inconnu"].iloc[0]
        assert unknown["cellule"] == "A7" and unknown["valeur"] == "CU-09"


@pytest.fixture(scope="module")
def prio():
    if not CONFIG.is_file():
        pytest.skip(f"{CONFIG} absent : générez d'abord les fichiers d'exemple")
    return pr.run_prioritization(workspace.load_config(CONFIG))


class TestSample:
    def test_every_trap_is_found(self, prio):
        traps = json.loads(PIEGES.read_text(encoding="utf-8"))["priorisation"]["pieges"]
        found = prio.problems
        scores = prio.cases.set_index("code")
        for trap in traps:
            kind = trap["controle"]
            if kind == "hors-echelle":
                hit = found[(found["cellule"] == trap["cellule"])
                            & (found["colonne"] == trap["colonne"])]
                assert not hit.empty, trap
                note = prio.criteria.set_index(["code", "critere"]).loc[
                    (trap["code"], trap["colonne"]), "note"]
                assert pd.isna(note)  # la valeur fausse n'est pas comptée
            elif kind == "bloquant":
                assert bool(scores.loc[trap["code"], "bloquant"])
            elif kind == "role-manquant":
                msg = found[found["code"] == "role-manquant"]["message"]
                assert msg.str.contains(f"{trap['code']} n'a pas de « {trap['role']} »").any()
            else:
                hit = found[found["code"] == kind]
                assert hit["message"].str.contains(trap["code"]).any() or (
                    hit["valeur"].astype(str).str.contains(trap["code"]).any()), trap

    def test_choice_and_synthesis(self, prio):
        assert prio.choice == "CU-01"
        text = pr.write_synthesis(prio)
        assert text.startswith("**Cas d'usage recommandé : CU-01")
        assert "Bloqués par l'accès aux données : CU-04" in text
        weights = json.loads(PIEGES.read_text(encoding="utf-8"))["priorisation"]["poids"]
        assert prio.weights == {k: float(v) for k, v in weights.items()}

    def test_group_file_holds_functions_not_names(self, prio):
        personal = json.loads(PIEGES.read_text(encoding="utf-8"))["donnees_personnelles"]
        shown = " ".join(prio.group["fonction"].tolist() + prio.group["structure"].tolist())
        assert [v for v in personal if str(v) in shown] == []


class TestConfig:
    def test_missing_section(self):
        with pytest.raises(ConfigError, match="section « priorisation »"):
            pr.run_prioritization({"nom": "x"})

    def test_missing_file_names_the_key(self, tmp_path):
        with pytest.raises(ConfigError, match="priorisation.cas_usage.*absent.xlsx"):
            pr.run_prioritization({"_dossier": str(tmp_path),
                                 "priorisation": {"cas_usage": "absent.xlsx"}})

    def test_unreadable_file_gives_a_problem_and_no_choice(self, tmp_path):
        (tmp_path / "cas.xlsx").write_bytes(b"PK\x03\x04 pas un classeur")
        prio = pr.run_prioritization({"_dossier": str(tmp_path),
                                    "priorisation": {"cas_usage": "cas.xlsx"}})
        assert prio.choice is None and prio.cases.empty
        assert (prio.problems["code"] == "fichier-illisible").any()
        assert pr.write_synthesis(prio).startswith("**Aucun cas d'usage ne peut être recommandé")


def test_static_matrix_for_slides(prio, tmp_path):
    from kit import charts

    fig = charts.plot_priority_matrix_static(prio)
    assert "Optimiser les tournées" in fig.axes[0].get_title(loc="left")
    paths = charts.save(fig, tmp_path / "matrice")
    assert [p.suffix for p in paths] == [".png", ".svg"] and all(p.stat().st_size for p in paths)
