"""Tests de la feuille de route (kit.roadmap) et de son suivi en comité (kit.comite)."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kit import charts, comite, roadmap, workspace
from kit.errors import ConfigError
from kit.templates import WORKBOOKS, write_workbook_template

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "data" / "samples" / "collectivite.yaml"
D = dt.date.fromisoformat


def _write(tmp_path: Path, actions=(), budget=(), risks=()) -> Path:
    return write_workbook_template(WORKBOOKS["feuille_de_route"], tmp_path / "fdr.xlsx", rows={
        "Actions et jalons": list(actions), "Budget": list(budget), "Risques": list(risks)})


def _action(ident, due, status="en cours", pilot="chef de projet", start="2026-01-01",
            deps=None, end=None, decision=None, **more):
    return {"identifiant": ident, "titre": f"Action {ident}", "pilote": pilot,
            "debut": D(start) if start else None, "echeance": D(due) if due else None,
            "statut": status, "depend_de": deps, "fin_reelle": D(end) if end else None,
            "decision_comite": decision, **more}


def _codes(problems: pd.DataFrame) -> list[tuple[str, str]]:
    return sorted(zip(problems["code"], problems["cellule"]))


class TestChecks:
    def test_late_at_given_date(self, tmp_path):
        # échéances choisies à la main autour du 15/03/2026
        path = _write(tmp_path, [
            _action("A-1", "2026-03-01"),                       # passée, en cours : retard
            _action("A-2", "2026-03-01", status="fait", end="2026-02-27"),  # finie
            _action("A-3", "2026-04-01"),                       # pas encore due
            _action("A-4", "2026-04-01", status="en retard"),   # déclarée en retard
            _action("A-5", "2026-02-01", status="abandonné"),   # plus attendue
        ])
        fdr = roadmap.load_roadmap(path)
        late = roadmap.late_actions(fdr, D("2026-03-15"))
        assert late["identifiant"].tolist() == ["A-1", "A-4"]
        assert late["jours_de_retard"].tolist() == [14, 0]  # 1er → 15 mars : 14 jours
        assert roadmap.late_actions(fdr, D("2026-02-15"))["identifiant"].tolist() == ["A-4"]
        problems = roadmap.check_roadmap(fdr, D("2026-03-15"))
        # échéance en colonne H (8e champ du schéma), lignes 2 et 5
        assert [c for k, c in _codes(problems) if k == "action-en-retard"] == ["H2", "H5"]

    def test_cycle_unknown_dependency_dates_owner(self, tmp_path):
        path = _write(tmp_path, [
            _action("A-1", "2026-06-01", deps="A-3"),
            _action("A-2", "2026-06-01", deps="A-1 ; A-9"),     # A-9 n'existe pas
            _action("A-3", "2026-06-01", deps="A-2"),           # boucle A-1 → A-3 → A-2 → A-1
            _action("A-4", "2026-01-01", start="2026-02-01", pilot=None),  # finit avant
            _action("A-5", "2026-01-10", status="fait", deps="A-5"),  # sans fin, dépend d'elle
        ])
        fdr = roadmap.load_roadmap(path)
        assert roadmap.cycles(fdr.actions) == [["A-1", "A-2", "A-3"], ["A-5"]]
        found = _codes(roadmap.check_roadmap(fdr, D("2026-01-05")))
        # colonnes : depend_de K, echeance H, pilote F, fin_reelle I
        assert ("dependance-inconnue", "K3") in found
        assert [c for k, c in found if k == "cycle-dependances"] == ["K2", "K3", "K4", "K6"]
        assert ("echeance-avant-debut", "H5") in found
        assert ("sans-pilote", "F5") in found
        assert ("fait-sans-fin", "I6") in found

    def test_budget_checks_and_sums_by_source(self, tmp_path):
        rows = [
            {"poste": "a", "montant_planifie": 1000, "montant_engage": 1200, "montant_paye": 0,
             "source_financement": "DSIL", "financement": "demandé",
             "date_limite_depot": D("2026-02-01")},
            {"poste": "b", "montant_planifie": 500, "montant_engage": 500, "montant_paye": 250,
             "source_financement": "DSIL", "financement": "acquis"},
            {"poste": "c", "montant_planifie": 300, "montant_engage": 100, "montant_paye": 100,
             "source_financement": "fonds propres", "financement": "acquis"},
            {"poste": "d", "montant_planifie": 70, "montant_engage": 0, "montant_paye": 0},
            {"poste": "e", "montant_planifie": 10, "source_financement": "FEDER",
             "financement": "demandé", "date_limite_depot": D("2026-06-01")},
        ]
        fdr = roadmap.load_roadmap(_write(tmp_path, budget=rows))
        found = _codes(roadmap.check_roadmap(fdr, D("2026-01-15")))
        # colonnes : engagé E, source I, date limite K ; 01/02 est à 17 jours, 01/06 à 137
        assert found == [("depot-proche", "K2"), ("engage-au-dela", "E2"),
                         ("sans-financement", "I5")]
        assert ("depot-proche", "K6") in _codes(roadmap.check_roadmap(fdr, D("2026-01-15"),
                                                                       deadline_days=140))
        sums = roadmap.budget_by_source(fdr).set_index("source_financement")
        # à la main : DSIL 1000 + 500 planifiés, 1200 + 500 engagés, 0 + 250 payés
        assert sums.loc["DSIL"].tolist() == [1500.0, 1700.0, 250.0, 2]
        assert sums.loc["fonds propres", "montant_planifie"] == 300.0
        assert sums.loc["non renseignée", "postes"] == 1
        assert sums.loc["Total", "montant_planifie"] == 1000 + 500 + 300 + 70 + 10
        assert list(sums.index) == ["fonds propres", "DSIL", "FEDER", "non renseignée", "Total"]

    def test_due_before_grouped_by_owner_and_risk_matrix(self, tmp_path):
        path = _write(tmp_path, [
            _action("A-1", "2026-02-10", pilot="finances"),
            _action("A-2", "2026-02-01", pilot="DSI"),
            _action("A-3", "2026-01-10", pilot="finances"),
            _action("A-4", "2026-02-01", pilot="DSI", status="fait", end="2026-01-30"),
            _action("A-5", "2026-03-01", pilot="DSI"),
        ], risks=[{"risque": "r1", "probabilite": 4, "impact": 4, "parade": "p", "pilote": "x",
                   "statut": "ouvert"},
                  {"risque": "r2", "probabilite": 4, "impact": 4, "parade": "p", "pilote": "x",
                   "statut": "ouvert"},
                  {"risque": "r3", "probabilite": 1, "impact": 2, "parade": "p", "pilote": "x",
                   "statut": "clos"},
                  {"risque": "r4", "probabilite": 2, "impact": 1, "statut": "ouvert"}])
        fdr = roadmap.load_roadmap(path)
        fdr.date = D("2026-01-15")
        due = roadmap.due_before(fdr, D("2026-02-15"))
        assert due[["pilote", "identifiant"]].values.tolist() == [
            ["DSI", "A-2"], ["finances", "A-3"], ["finances", "A-1"]]
        assert due["en_retard"].tolist() == [False, True, False]
        matrix = roadmap.risk_matrix(fdr)
        assert matrix.loc[4, 4] == 2 and matrix.loc[2, 1] == 1 and matrix.values.sum() == 3
        found = _codes(roadmap.check_roadmap(fdr))
        assert ("risque-sans-parade", "D5") in found and ("risque-sans-pilote", "E5") in found

    def test_unknown_use_case(self, tmp_path):
        fdr = roadmap.load_roadmap(_write(tmp_path, [_action("A-1", "2026-06-01",
                                                             cas_usage="CU-09")]))
        found = _codes(roadmap.check_roadmap(fdr, D("2026-01-01"), use_cases=["CU-01"]))
        assert found == [("cas-inconnu", "D2")]

    def test_config_section_known_and_missing_file(self, tmp_path):
        if not CONFIG.is_file():
            pytest.skip(f"{CONFIG} absent : générez d'abord les fichiers d'exemple")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            config = workspace.load_config(CONFIG)  # aucune ConfigWarning pour la section
        assert config["feuille_de_route"]["prochain_comite"] == "2026-02-16"
        broken = {**config, "feuille_de_route": {"fichier": "absent.xlsx"}}
        with pytest.raises(ConfigError, match="feuille_de_route"):
            roadmap.run_roadmap(broken)


@pytest.fixture(scope="module")
def sample():
    if not CONFIG.is_file():
        pytest.skip(f"{CONFIG} absent : générez d'abord les fichiers d'exemple")
    traps = json.loads((CONFIG.parent / "pieges.json").read_text(encoding="utf-8"))
    return roadmap.run_roadmap(workspace.load_config(CONFIG)), traps["feuille_de_route"]


class TestSample:
    def test_every_trap_found_at_its_cell(self, sample):
        fdr, traps = sample
        found = set(zip(fdr.problems["code"], fdr.problems["feuille"], fdr.problems["cellule"]))
        for trap in traps["pieges"]:
            assert (trap["controle"], trap["feuille"], trap["cellule"]) in found, trap

    def test_sample_shape(self, sample):
        fdr, _ = sample
        wb = openpyxl.load_workbook(CONFIG.parent / "feuille_de_route" / "feuille_de_route.xlsx")
        assert wb["Actions et jalons"].max_row - 1 == len(fdr.actions) >= 15
        months = (fdr.actions["echeance"].max() - fdr.actions["debut"].min()).days / 30.4
        assert 17 <= months <= 19
        sources = set(fdr.budget["source_financement"].dropna())
        assert len(sources) == 3 and len(fdr.risks) == 5

    def test_charts(self, sample):
        fdr, _ = sample
        gantt = charts.plot_roadmap_gantt(fdr)
        late = set(roadmap.late_actions(fdr, fdr.date)["identifiant"])
        drawn = [y for trace in gantt.data for y in trace.y]
        assert len(drawn) == len(fdr.actions)  # chaque action, barre ou losange
        bar = gantt.data[0]
        red = {y.split(" — ")[0] for y, c in zip(bar.y, bar.marker.color)
               if c == charts.ALERT_COLOR}
        assert red == late
        # jalons en losange : plein, vide (fait) ou barré (en retard), lisibles en noir et blanc
        marks = [s for t in gantt.data if t.type == "scatter" for s in t.marker.symbol]
        assert marks and all(str(s).startswith("diamond") for s in marks)
        assert "2 action(s) en retard" in gantt.layout.title.text
        charts.plot_budget_by_source(fdr)
        charts.plot_risk_matrix(fdr)


class TestCommitteeDecisions:
    def test_ids_kept_between_committees(self):
        now = pd.DataFrame({"étape": ["1", "2", "3"], "sujet": ["a", "b", "c"]})
        previous = {"date": "2025-12-15", "decisions": [
            {"étape": "1", "sujet": "a", "depuis": "2025-11-17"},  # relevé sans identifiant
            {"étape": "9", "sujet": "z", "depuis": "2025-11-17"},
            {"étape": "2", "sujet": "b", "id": "D251215-04"}]}
        ids = comite.decision_ids(now, previous, D("2026-01-15"))["id"].tolist()
        assert ids == ["D251117-01", "D251215-04", "D260115-01"]

    def test_taken_then_carried_to_next_committee(self, tmp_path):
        # comité 1 (15/01) : deux décisions, une seule citée par la feuille de route
        path = _write(tmp_path, [
            _action("A-1", "2026-02-10", pilot="DSI", decision="D260115-01"),
            _action("A-2", "2026-03-31", pilot="finances", decision="D260115-01"),
        ])
        fdr = roadmap.load_roadmap(path)
        now = comite.decision_ids(pd.DataFrame({"étape": ["1", "1"], "sujet": ["a", "b"],
                                                "priorité": [1, 2], "décision": ["x", "y"]}),
                                  None, D("2026-01-15"))
        taken = comite.taken_decisions(now, fdr)
        assert taken["prise"].tolist() == [True, False]
        assert taken.loc[0, "porteur"] == "DSI ; finances"
        assert taken.loc[0, "échéance"] == "2026-03-31"  # la plus tardive
        record = comite.snapshot("X", D("2026-01-15"), pd.DataFrame(), taken, pd.Series())
        record = json.loads(json.dumps(record))  # comme relu du fichier
        # comité 2 (15/04), sans feuille de route : échéance du relevé dépassée
        carried = comite.carried_decisions(record, None, D("2026-04-15"))
        assert carried[["id", "suivi"]].values.tolist() == [["D260115-01", "en retard"]]
        # avec la feuille de route : faite quand toutes ses actions sont finies
        done = _write(tmp_path, [
            _action("A-1", "2026-02-10", status="fait", end="2026-02-09", decision="D260115-01"),
            _action("A-2", "2026-03-31", status="abandonné", decision="D260115-01")])
        later = comite.carried_decisions(record, roadmap.load_roadmap(done), D("2026-04-15"))
        assert later["suivi"].tolist() == ["faite"]
        assert comite.carried_decisions(record, None, D("2026-03-01"))["suivi"].tolist() == [
            "dans les temps"]

    def test_sample_committee(self, tmp_path):
        if not CONFIG.is_file():
            pytest.skip(f"{CONFIG} absent : générez d'abord les fichiers d'exemple")
        point = comite.run_committee(workspace.load_config(CONFIG), tmp_path)
        carried = point.carried.set_index("id")["suivi"].to_dict()
        # relevé du 15/12/2025 et feuille de route d'exemple : A-03 fait le 19/12, A-14 due le
        # 30/06/2026, A-15 due le 10/01/2026 et toujours en cours au 15/01/2026
        assert carried == {"D251117-01": "faite", "D251117-03": "dans les temps",
                           "D251215-01": "en retard"}
        record = json.loads((tmp_path / "comite_2026-01-15.json").read_text(encoding="utf-8"))
        mine = {d["id"]: d for d in record["decisions"]}
        assert mine["D251117-03"]["prise"] is True
        assert mine["D251117-03"]["porteur"] == "responsable du contrat de délégation"
        # contrat de l'eau (Aquavia) fini le 30/06/2027 : moins de 18 mois après le 15/01/2026
        renewal = point.decisions[point.decisions["sujet"].str.startswith("Renouvellement")]
        assert renewal["sujet"].tolist() == ["Renouvellement : Aquavia Services"]
        assert "30 juin 2027" in renewal["décision"].iloc[0]


class TestPrioritizationCosts:
    def test_cost_beside_score_bubbles_and_funding(self):
        if not CONFIG.is_file():
            pytest.skip(f"{CONFIG} absent : générez d'abord les fichiers d'exemple")
        from kit import priorisation as pr

        prio = pr.run_prioritization(workspace.load_config(CONFIG))
        table = pr.ranking_table(prio).set_index("code")
        # coûts de l'exemple (tools/samples/_priorisation.py), CU-05 non chiffré
        assert table.loc["CU-01", "coût estimé (€ HT)"] == 201000
        assert table.loc["CU-01", "temps agent (jours)"] == 150
        assert pd.isna(table.loc["CU-05", "coût estimé (€ HT)"])
        text = pr.write_synthesis(prio)
        assert "201\u202f000 € HT" in text and "DSIL" in text  # espace fine insécable
        fig = charts.plot_priority_matrix(prio)
        sizes = {c: s for t in fig.data for c, s in zip(t.text, t.marker.size)}
        # surface ∝ coût : 10 + 30 × √(coût / 260 000) ; sans coût, 10
        assert sizes["CU-04"] == pytest.approx(40.0)
        assert sizes["CU-01"] == pytest.approx(10 + 30 * (201000 / 260000) ** 0.5)
        assert sizes["CU-05"] == pytest.approx(10.0)

    def test_funding_hint_by_cost(self):
        from kit.priorisation import funding_hint

        assert funding_hint(20000).startswith("fonds propres")
        assert "DSIL" in funding_hint(60000) and "FEDER" not in funding_hint(60000, 3)
        assert "FEDER" in funding_hint(60000, 5)


def test_contract_renewal_warned_18_months_before():
    from types import SimpleNamespace

    inv = pd.DataFrame({
        "fichier": ["i.xlsx"] * 4, "ligne": [2, 3, 4, 5],
        "identifiant": ["EAU-1", "EAU-2", "MOB-1", "DEC-1"],
        "detenteur": ["Délégataire (DSP)"] * 3 + ["Service"],
        "nom_delegataire": ["Eaux", "Eaux", "Parcs", None],
        "clauses_donnees_dsp": ["oui"] * 3 + [None],
        # 15/01/2026 + 18 mois = 15/07/2027 : EAU-1 (30/06/2027) oui ; EAU-2 (30/09/2027),
        # les parcs (31/08/2027) et DEC-1 (pas une délégation) non
        "fin_contrat_delegation": pd.to_datetime(["2027-06-30", "2027-09-30", "2027-08-31",
                                                  "2026-06-30"])})
    summary = pd.DataFrame(columns=["code", "libelle", "statut", "responsable", "ecart_cible",
                                    "unite", "maj_en_retard"])
    fake = SimpleNamespace(
        date=D("2026-01-15"), kpis=SimpleNamespace(summary=summary),
        diag=SimpleNamespace(checks=pd.DataFrame(columns=["code", "message"]), inventory=inv),
        prio=SimpleNamespace(choice=None), positions=None)
    dec = comite.decisions(fake)
    assert dec["sujet"].tolist() == ["Renouvellement : Eaux"]
    assert "30 juin 2027" in dec["décision"].iloc[0] and "(EAU-1)" in dec["décision"].iloc[0]
    # inventaire d'avant la colonne : aucune alerte, aucune erreur
    fake.diag.inventory = inv.drop(columns="fin_contrat_delegation")
    assert comite.decisions(fake).empty
