"""Tests du diagnostic (étape 1) : inventaires, contrôles croisés, maturité, pairs, compétences.

Les petits cas sont calculés à la main (valeurs attendues écrites dans les commentaires) ; le
dernier groupe vérifie que le kit retrouve tous les pièges posés dans les exemples de Clairval.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from kit import diagnostic as dg
from kit import load_table, validate, workspace
from kit.errors import ConfigError, KitError
from kit.templates import write_questionnaire, write_template

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"


def _dataset(ident: str, **kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "identifiant": ident, "titre": f"Titre {ident}", "description": "d",
        "service_producteur": "Eau", "detenteur": "Service", "mode_acces": "Interne",
        "frequence_maj": "Annuelle", "date_derniere_maj": dt.date(2025, 6, 1),
        "donnees_personnelles": False, "qualite": 3}
    row.update(kw)
    return row


def _inventory(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Tableau au format de `load_inventories`, sans passer par des fichiers."""
    columns = ["identifiant", "titre", "description", "service_producteur", "detenteur",
               "nom_delegataire", "mode_acces", "clauses_donnees_dsp", "donnees_personnelles",
               "reference_registre", "licence", "jeux_croises", "qualite", "frequence_maj",
               "date_derniere_maj"]
    df = pd.DataFrame([{c: r.get(c) for c in columns} for r in rows])
    df.insert(0, "ligne", range(2, 2 + len(df)))
    df.insert(0, "feuille", "Données")
    df.insert(0, "fichier", [str(r.get("fichier", "eau.xlsx")) for r in rows])
    df["date_derniere_maj"] = pd.to_datetime(df["date_derniere_maj"])
    df["qualite"] = pd.array(df["qualite"], dtype="Int64")
    return df


# --------------------------------------------------------------------------- lecture
class TestLoadInventories:
    def test_bad_cells_are_blanked_and_cited(self, tmp_path: Path) -> None:
        write_template("inventaire_donnees", tmp_path / "eau.xlsx", rows=[
            _dataset("EAU-A"), _dataset("EAU-B", qualite=5), _dataset("EAU-C", mode_acces="Fax")])
        inv, problems = dg.load_inventories(tmp_path)
        assert list(inv["identifiant"]) == ["EAU-A", "EAU-B", "EAU-C"]
        # qualité 5 (hors échelle 1 à 4) et mode « Fax » (hors liste) ne sont pas comptés
        assert inv["qualite"].tolist()[0] == 3 and pd.isna(inv["qualite"].tolist()[1])
        assert pd.isna(inv["mode_acces"].tolist()[2])
        errors = problems[problems["niveau"] == "erreur"].set_index("colonne")
        assert errors.loc["qualite", "cellule"] == "Q3"
        assert errors.loc["mode_acces", "cellule"] == "M4"
        assert errors.loc["qualite", "fichier"] == "eau.xlsx"

    def test_unreadable_file_does_not_stop_the_others(self, tmp_path: Path) -> None:
        write_template("inventaire_donnees", tmp_path / "a.xlsx", rows=[_dataset("A-1")])
        (tmp_path / "b.xlsx").write_bytes(b"ceci n'est pas un classeur")
        (tmp_path / "~$a.xlsx").write_bytes(b"verrou Excel")  # ignoré
        inv, problems = dg.load_inventories(tmp_path)
        assert list(inv["identifiant"]) == ["A-1"]
        bad = problems[problems["code"] == "fichier-illisible"]
        assert list(bad["fichier"]) == ["b.xlsx"]
        assert "b.xlsx" in bad["message"].iloc[0]

    def test_older_template_version_is_read_with_warnings(self, tmp_path: Path) -> None:
        from kit.schemas import load_schema

        old = load_schema("inventaire_donnees")
        old["fields"] = [f for f in old["fields"] if f["name"] != "cas_usage"]
        old["version"] = "0.9.0"
        write_template(old, tmp_path / "vieux.xlsx", rows=[_dataset("V-1")])
        inv, problems = dg.load_inventories(tmp_path / "vieux.xlsx")
        assert inv["identifiant"].tolist() == ["V-1"]
        assert inv["cas_usage"].isna().all()
        warn = problems[problems["code"] == "colonne-manquante"]
        assert warn["niveau"].tolist() == ["avertissement"]
        assert "cas_usage" in warn["message"].iloc[0]
        version = problems[problems["code"] == "ancienne-version"]["message"].tolist()
        assert len(version) == 1 and "version 0.9.0" in version[0] and "1.1.0" in version[0]


# --------------------------------------------------------------------------- contrôles
class TestCheckInventory:
    def test_each_inconsistency_is_flagged_once(self) -> None:
        inv = _inventory([
            _dataset("A", jeux_croises="B ; ZZZ"),
            _dataset("B", fichier="fin.xlsx", service_producteur="Finances"),
            _dataset("A", fichier="fin.xlsx", service_producteur="Finances"),
            _dataset("C", titre="Titre A"),  # même titre que A sous un autre identifiant
            _dataset("P1", donnees_personnelles=True),
            _dataset("P2", donnees_personnelles=True, reference_registre="RT-009"),
            _dataset("P3", donnees_personnelles=True, reference_registre="RT-001"),
            _dataset("D1", detenteur="Délégataire (DSP)", nom_delegataire="X",
                     clauses_donnees_dsp="non"),
            _dataset("D2", detenteur="Délégataire (DSP)", nom_delegataire="X",
                     clauses_donnees_dsp="inconnu"),
            _dataset("D3", detenteur="Délégataire (DSP)", clauses_donnees_dsp="oui"),
            _dataset("O1", mode_acces="Open data publié"),
            _dataset("O2", mode_acces="Open data publié", licence="Licence Ouverte-LO"),
        ])
        register = pd.DataFrame({"reference": ["RT-001"]})
        found = dg.check_inventory(inv, register)
        values = ["None" if pd.isna(v) else str(v) for v in found["valeur"]]
        got = sorted(zip(found["code"], found["niveau"], values))
        assert got == sorted([
            ("doublon", "erreur", "A"),
            ("doublon-probable", "avertissement", "Titre A"),
            ("croisement-inconnu", "erreur", "B ; ZZZ"),
            ("rgpd-sans-registre", "erreur", "None"),
            ("rgpd-reference-inconnue", "erreur", "RT-009"),
            ("dsp-sans-clause", "erreur", "non"),
            ("dsp-sans-clause", "avertissement", "inconnu"),
            ("dsp-sans-nom", "avertissement", "None"),
            ("open-data-sans-licence", "avertissement", "None"),
        ])
        unknown = found[found["code"] == "croisement-inconnu"]["message"].iloc[0]
        assert "ZZZ" in unknown and "B," not in unknown  # B existe : seul ZZZ est cité

    def test_without_register_only_missing_references(self) -> None:
        inv = _inventory([_dataset("P", donnees_personnelles=True, reference_registre="RT-1")])
        assert dg.check_inventory(inv).empty

    def test_clean_inventory(self) -> None:
        inv = _inventory([_dataset("A", jeux_croises="B"), _dataset("B")])
        assert dg.check_inventory(inv).empty


class TestFreshnessAndSummaries:
    def test_freshness_limits(self) -> None:
        monthly = "Mensuelle ou plusieurs fois par mois"
        inv = _inventory([
            _dataset("M45", frequence_maj=monthly, date_derniere_maj=dt.date(2025, 12, 1)),
            _dataset("M46", frequence_maj=monthly, date_derniere_maj=dt.date(2025, 11, 30)),
            _dataset("SANS", date_derniere_maj=None),
            _dataset("INCONNUE", frequence_maj=None, date_derniere_maj=dt.date(2024, 1, 16)),
        ])
        fresh = dg.freshness(inv, "2026-01-15")
        # 1er décembre → 15 janvier = 45 jours (limite mensuelle 45) ; 30 novembre = 46 jours
        assert fresh["age_jours"].tolist()[:2] == [45, 46]
        assert fresh["statut"].tolist() == ["à jour", "en retard", "date inconnue", "à jour"]
        assert fresh["delai_max_jours"].tolist() == [45, 45, 550, 730]

    def test_scorecard_hand_computed(self) -> None:
        inv = _inventory([
            _dataset("A", qualite=4, mode_acces="API"),
            _dataset("B", qualite=1, mode_acces="Export manuel", description=None),
            _dataset("C", service_producteur="CCAS", qualite=None, donnees_personnelles=True,
                     mode_acces="Open data publié", date_derniere_maj=dt.date(2020, 1, 1)),
        ])
        card = dg.inventory_scorecard(inv, "2026-01-15")
        # Eau : qualité (100 + 0) / 2 = 50 ; accessibles 1 sur 2 ; documentés 1 sur 2
        assert card.loc["Eau"].to_dict() == {
            "Jeux déclarés": 2, "Qualité auto-évaluée": 50.0, "À jour": 100.0,
            "Accessibles": 50.0, "Documentés": 50.0, "Ouverts": 0.0,
            "Avec données personnelles": 0.0}
        # CCAS : qualité inconnue → manquante (jamais comptée zéro)
        assert pd.isna(card.loc["CCAS", "Qualité auto-évaluée"])
        assert card.loc["Ensemble", "À jour"] == pytest.approx(66.7)
        assert card.loc["Ensemble", "Jeux déclarés"] == 3

    def test_uncontrolled_and_edges(self) -> None:
        inv = _inventory([
            _dataset("E1", detenteur="Délégataire (DSP)", nom_delegataire="Aqua",
                     mode_acces="Interne", clauses_donnees_dsp="oui", jeux_croises="E2"),
            _dataset("E2", detenteur="Délégataire (DSP)", nom_delegataire="Aqua",
                     mode_acces="API", clauses_donnees_dsp=None, jeux_croises="E1, X9"),
            _dataset("P1", detenteur="Prestataire", nom_delegataire="Lum",
                     mode_acces="Payant"),
            _dataset("S1", mode_acces="Inaccessible"),
        ])
        out = dg.uncontrolled_holdings(inv)
        assert out["identifiant"].tolist() == ["E2", "P1"]  # E1 : accès interne et clause
        assert out["clauses_donnees_dsp"].tolist() == ["inconnu", "inconnu"]
        edges = dg.crossing_edges(inv)
        assert edges.values.tolist() == [["E1", "E2", True], ["E2", "X9", False]]


# --------------------------------------------------------------------------- maturité
def _answers(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["campagne", "service", "axe", "code", "reponse",
                                       "niveau_cible"]).assign(
        question=lambda d: "Question " + d["code"],
        action_amelioration=lambda d: "Agir sur " + d["code"])


class TestMaturityScores:
    ANSWERS = [
        ("2024", "Eau", "GOV", "GOV-1", 1, None), ("2024", "Eau", "GOV", "GOV-2", 2, 3),
        ("2024", "RH", "GOV", "GOV-1", 3, None), ("2024", "RH", "GOV", "GOV-2", 3, None),
        ("2024", "Eau", "QUA", "QUA-1", 4, 5), ("2024", "RH", "QUA", "QUA-1", None, None),
        ("2025", "Eau", "GOV", "GOV-1", 3, None), ("2025", "Eau", "GOV", "GOV-2", 4, None),
        ("2025", "RH", "GOV", "GOV-1", 4, None), ("2025", "RH", "GOV", "GOV-2", 4, None),
        ("2025", "CCAS", "GOV", "GOV-1", 1, None), ("2025", "CCAS", "GOV", "GOV-2", 1, None),
        ("2025", "Eau", "QUA", "QUA-1", 2, None), ("2025", "RH", "QUA", "QUA-1", 1, None),
    ]

    def test_scores_per_service_and_axis(self) -> None:
        scores = dg.score_maturity(_answers(self.ANSWERS)).set_index(
            ["campagne", "service", "axe"])
        assert scores.loc[("2024", "Eau", "GOV"), "score"] == 1.5      # (1 + 2) / 2
        assert scores.loc[("2024", "Eau", "GOV"), "cible"] == 3.0
        assert scores.loc[("2024", "Eau", "GOV"), "ecart"] == 1.5
        assert pd.isna(scores.loc[("2024", "RH", "QUA"), "score"])     # aucune réponse
        assert scores.loc[("2024", "RH", "QUA"), "nb_reponses"] == 0

    def test_levels_weight_each_service_equally(self) -> None:
        levels = dg.maturity_levels(dg.score_maturity(_answers(self.ANSWERS)))
        lv = levels.set_index(["campagne", "axe"])
        # 2025, GOV : Eau 3,5 ; RH 4 ; CCAS 1 → (3,5 + 4 + 1) / 3 = 2,83
        assert lv.loc[("2025", "GOV"), "score"] == pytest.approx(2.83)
        # 2024, QUA : RH sans réponse ne compte pas → Eau seul, 4
        assert lv.loc[("2024", "QUA"), "score"] == 4.0
        # Ensemble 2025 = moyenne des axes = (2,833 + 1,5) / 2 = 2,17 → « Initiation »
        assert lv.loc[("2025", "Ensemble"), "score"] == pytest.approx(2.17)
        assert lv.loc[("2025", "Ensemble"), "niveau"] == "Initiation"

    @pytest.mark.parametrize(("score", "label"), [(1.0, "Découverte"), (1.49, "Découverte"),
                                                  (1.5, "Initiation"), (3.5, "Maîtrise"),
                                                  (4.5, "Exemplarité"), (5.0, "Exemplarité")])
    def test_level_label_boundaries(self, score: float, label: str) -> None:
        assert dg.level_label(score) == label

    def test_strengths_weaknesses_thresholds(self) -> None:
        scores = pd.DataFrame({"campagne": "2025", "service": ["A", "B", "A", "B", "A", "B"],
                               "axe": ["X", "X", "Y", "Y", "Z", "Z"],
                               "score": [3.5, 3.5, 2.5, 2.5, 3.0, 2.0]})
        out = dg.strengths_weaknesses(scores)
        assert out[["axe", "constat"]].values.tolist() == [
            ["X", "point fort"], ["Y", "point faible"], ["Z", "point faible"]]
        assert out.set_index("axe").loc["Z", "meilleur_service"] == "A"

    def test_actions_for_weak_questions_only(self) -> None:
        actions = dg.improvement_actions(_answers(self.ANSWERS))
        # 2025 : QUA-1 = (2 + 1) / 2 = 1,5 ; GOV-1 = (3 + 4 + 1) / 3 = 2,67 (au-dessus de 2)
        assert actions["code"].tolist() == ["QUA-1"]
        assert actions["score"].tolist() == [1.5]
        assert actions["services_concernes"].tolist() == ["Eau, RH"]

    def test_progress_uses_services_present_twice(self) -> None:
        prog = dg.maturity_progress(dg.score_maturity(_answers(self.ANSWERS)))
        prog = prog.set_index("axe")
        # GOV : CCAS absent en 2024 → Eau + RH : 2024 (1,5 + 3) / 2 = 2,25 ; 2025 3,75
        assert prog.loc["GOV", ["score_avant", "score_apres", "evolution"]].tolist() == [
            2.25, 3.75, 1.5]
        assert prog.attrs["services"] == ["Eau", "RH"]

    def test_progress_needs_two_campaigns(self) -> None:
        one = dg.score_maturity(_answers(self.ANSWERS[:6]))
        with pytest.raises(KitError, match="deux campagnes"):
            dg.maturity_progress(one)


class TestLoadMaturity:
    def test_files_traps(self, tmp_path: Path) -> None:
        from kit.templates import MATURITY_QUESTIONS as QUESTIONS

        ok = {q["code"]: 3 for q in QUESTIONS}
        write_questionnaire(tmp_path / "eau.xlsx", service="Eau",
                            campagne=dt.date(2025, 11, 1), answers={**ok, "GOV-2": 7})
        write_questionnaire(tmp_path / "vide.xlsx", service="CCAS",
                            campagne=dt.date(2025, 11, 1))
        older = [q for q in QUESTIONS if q["code"] != "CIT-3"]
        write_questionnaire(tmp_path / "vieux.xlsx", service="Culture",
                            campagne=dt.date(2025, 11, 1), questions=older,
                            answers={q["code"]: 2 for q in older})
        answers, problems = dg.load_maturity(tmp_path)
        assert sorted(answers["service"].unique()) == ["Culture", "Eau"]
        assert answers["campagne"].unique().tolist() == ["2025"]
        eau = answers[answers["service"] == "Eau"].set_index("code")
        assert pd.isna(eau.loc["GOV-2", "reponse"])              # 7 hors échelle : écarté
        assert eau.loc["GOV-1", "reponse"] == 3
        out_of_scale = problems[problems["code"] == "contrainte"]
        assert out_of_scale["fichier"].tolist() == ["eau.xlsx"]
        assert out_of_scale["valeur"].astype(str).tolist() == ["7"]
        assert problems[problems["code"] == "questionnaire-vide"]["fichier"].tolist() == [
            "vide.xlsx"]
        old = problems[problems["code"] == "ancienne-version"]
        assert old["fichier"].tolist() == ["vieux.xlsx"] and "CIT-3" in old["message"].iloc[0]

    def test_campaign_label_from_config_wins(self, tmp_path: Path) -> None:
        write_questionnaire(tmp_path / "eau.xlsx", service="Eau",
                            campagne=dt.date(2025, 11, 1), answers={"GOV-1": 2})
        answers, _ = dg.load_maturity(tmp_path, campagne="automne 2025")
        assert answers["campagne"].unique().tolist() == ["automne 2025"]


class TestPeers:
    def test_open_export_is_anonymous_and_valid(self, tmp_path: Path) -> None:
        answers = _answers(TestMaturityScores.ANSWERS).replace(
            {"axe": {"GOV": "Gouvernance et pilotage",
                     "QUA": "Qualité et documentation des données"}})
        out = dg.export_open_maturity(answers, tmp_path / "ouvert.csv", collectivite="Ville X",
                                      type_collectivite="Commune", strate="S1")
        text = (tmp_path / "ouvert.csv").read_text(encoding="utf-8")
        for service in ("Eau", "RH", "CCAS"):
            assert service not in text
        # 2025 : GOV-1 = (3 + 4 + 1) / 3 = 2,67 avec 3 réponses
        row = out.set_index("code").loc["GOV-1"]
        assert (row["score"], row["nb_reponses"]) == (2.67, 3)
        df = load_table(tmp_path / "ouvert.csv", schema="maturite_ouverte")
        report = validate(df, "maturite_ouverte")
        assert report.ok and report.problems.empty

    def test_compare_and_lessons(self) -> None:
        def peer(name: str, strate: str, scores: dict[str, float], date: str = "2025-10-01"
                 ) -> pd.DataFrame:
            return pd.DataFrame({"collectivite": name, "strate": strate, "campagne": date,
                                 "axe": [c.split("-")[0] for c in scores],
                                 "code": list(scores), "score": list(scores.values())})

        own = peer("Moi", "S1", {"GOV-1": 2.0, "GOV-2": 2.0, "QUA-1": 3.0})
        peers = pd.concat([
            peer("P1", "S1", {"GOV-1": 4.0, "GOV-2": 4.0, "QUA-1": 3.0}),
            peer("P1", "S1", {"GOV-1": 1.0, "GOV-2": 1.0, "QUA-1": 1.0}, "2023-10-01"),
            peer("P2", "S1", {"GOV-1": 3.0, "GOV-2": 2.0, "QUA-1": 3.5}),
            peer("P3", "S2", {"GOV-1": 5.0, "GOV-2": 5.0, "QUA-1": 5.0}),
        ])
        matrix = dg.compare_with_peers(own, peers)
        # la campagne 2023 de P1 est ignorée ; P3 (autre strate) est gardé sans filtre
        assert matrix.index.tolist() == ["Moi", "P3", "P1", "P2"]
        assert matrix.loc["P1", "GOV"] == 4.0 and matrix.loc["P2", "GOV"] == 2.5
        assert matrix.loc["Moi", "Ensemble"] == 2.5   # (GOV 2 + QUA 3) / 2
        assert dg.compare_with_peers(own, peers, strate="S1").index.tolist() == [
            "Moi", "P1", "P2"]
        questions = pd.DataFrame({"code": ["GOV-1", "GOV-2", "QUA-1"], "question": ["q1", "q2",
                                  "q3"], **{f"niveau_{i}": f"niveau {i}" for i in range(1, 6)}})
        lessons = dg.peer_lessons(own, peers[peers["campagne"] == "2025-10-01"], questions)
        # GOV-1 : meilleurs pairs de S1 = P1 (4) et P2 (3) → 3,5, écart 1,5 ; GOV-2 : 3 → 1
        assert lessons[["code", "ecart", "pratique"]].values.tolist() == [
            ["GOV-1", 1.5, "niveau 4"], ["GOV-2", 1.0, "niveau 3"]]


class TestSkills:
    def test_small_groups_never_show_a_person(self) -> None:
        agents = pd.DataFrame({"service": ["A"] * 3 + ["B"] * 2 + ["C"],
                               "tableur": [1, 2, 3, 4, 4, 1], "sig": [2, 2, 2, 1, 1, 4]})
        table = dg.skills_map(agents, ["tableur", "sig"])
        assert table.index.tolist() == ["A", "Autres services"]
        # B (2 agents) et C (1 agent) regroupés : tableur (4 + 4 + 1) / 3 = 3
        assert table.loc["Autres services", "tableur"] == 3.0
        assert table.attrs["effectifs"] == {"A": 3, "Autres services": 3}
        assert table.attrs["masques"] == 0


# --------------------------------------------------------------------------- exemples
@pytest.fixture(scope="module")
def sample_diag(tmp_path_factory: pytest.TempPathFactory) -> dg.Diagnostic:
    config = workspace.load_config(SAMPLES / "collectivite.yaml")
    return dg.run_diagnostic(config, tmp_path_factory.mktemp("sorties"))


@pytest.fixture(scope="module")
def traps() -> dict:
    return json.loads((SAMPLES / "pieges.json").read_text(encoding="utf-8"))["diagnostic"]


class TestSamples:
    def test_every_planted_inconsistency_is_found(self, sample_diag: dg.Diagnostic,
                                                  traps: dict) -> None:
        checks = sample_diag.checks
        inv = sample_diag.inventory
        found = set()
        for _, row in checks.iterrows():
            line = inv[(inv["fichier"] == row["fichier"]) & (inv["ligne"] == row["ligne"])]
            found.add((row["code"], line["identifiant"].iloc[0]))
        assert found == {(t["code"], t["identifiant"]) for t in traps["incoherences"]}

    def test_every_planted_error_is_found_at_its_cell(self, sample_diag: dg.Diagnostic,
                                                      traps: dict) -> None:
        p = sample_diag.problems
        for err in traps["erreurs"]:
            hit = p[(p["fichier"] == err["fichier"]) & (p["code"] == err["code"])
                    & (p["niveau"] == "erreur")]
            assert len(hit) == 1, err
            if err["cellule"]:
                assert hit["cellule"].iloc[0] == err["cellule"]

    def test_maturity_traps(self, sample_diag: dg.Diagnostic, traps: dict) -> None:
        p = sample_diag.problems
        name = lambda key: Path(traps[key]).name  # noqa: E731
        assert name("questionnaire_vide") in set(p[p["code"] == "questionnaire-vide"]["fichier"])
        old = set(p[p["code"] == "ancienne-version"]["fichier"])
        assert {name("ancienne_version"), "inventaire_culture.xlsx"} <= old
        scale = traps["hors_echelle"]
        hit = p[(p["code"] == "contrainte") & (p["fichier"] == Path(scale["fichier"]).name)]
        assert hit["ligne"].tolist() == [scale["ligne"]]
        assert sample_diag.answers["reponse"].dropna().between(1, 5).all()
        # le questionnaire vide de 2025 n'est pas compté : 9 services sur 10 en 2025
        assert sample_diag.levels.set_index(["campagne", "axe"]).loc[
            ("2025", "Ensemble"), "services"] == 9

    def test_synthesis_follows_the_data(self, sample_diag: dg.Diagnostic) -> None:
        text = dg.write_synthesis(sample_diag)
        for heading in ("### Forces", "### Faiblesses", "### Pistes d'amélioration"):
            assert heading in text
        late = int((sample_diag.fresh["statut"] == "en retard").sum())
        assert f"{late} jeu(x) de données sur {len(sample_diag.fresh)}" in text
        assert sample_diag.actions["action"].iloc[0] in text

    def test_no_personal_data_in_results(self, sample_diag: dg.Diagnostic) -> None:
        personal = json.loads((SAMPLES / "pieges.json").read_text(encoding="utf-8"))[
            "donnees_personnelles"]
        shown = " ".join([dg.write_synthesis(sample_diag), sample_diag.skills.to_string(),
                          sample_diag.open_results.to_csv()])
        assert not [v for v in personal if str(v) in shown]


class TestConfig:
    def test_missing_section(self) -> None:
        with pytest.raises(ConfigError, match="section « diagnostic »"):
            dg.run_diagnostic({"nom": "X", "_dossier": "."})

    def test_missing_folder(self, tmp_path: Path) -> None:
        config = {"_dossier": str(tmp_path), "diagnostic": {
            "inventaires": "absent", "maturite": {"2025": "absent"}}}
        with pytest.raises(ConfigError, match="introuvable"):
            dg.run_diagnostic(config)
