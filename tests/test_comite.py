"""Étape 5 — comité de pilotage : chiffres clés, décisions proposées, publication open data
sans donnée personnelle."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from kit import comite, workspace
from kit.errors import KitError

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "data" / "samples" / "collectivite.yaml"
PIEGES = ROOT / "data" / "samples" / "pieges.json"


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("comite")


@pytest.fixture(scope="module")
def point(out_dir):
    if not CONFIG.is_file():
        pytest.skip(f"{CONFIG} absent : générez d'abord les fichiers d'exemple")
    return comite.run_committee(workspace.load_config(CONFIG), out_dir)


def _personal() -> list[str]:
    return [str(v) for v in json.loads(PIEGES.read_text(encoding="utf-8"))["donnees_personnelles"]]


class TestSample:
    def test_key_figures_match_each_step(self, point):
        figures = point.figures.set_index("sujet")
        overall = point.diag.levels[(point.diag.levels["campagne"] == "2025")
                                    & (point.diag.levels["axe"] == "Ensemble")].iloc[0]
        assert figures.loc["Maturité des données", "valeur"] == \
            f"{overall['score']:.1f}".replace(".", ",") + " sur 5"
        summary = point.kpis.summary
        late = summary["statut"].isin(["en retard", "alerte"]).sum()
        assert figures.loc["Indicateurs suivis", "valeur"] == str(len(summary))
        assert f"{late} en retard ou en alerte" in figures.loc["Indicateurs suivis", "lecture"]
        assert figures.loc["Projet de données retenu", "valeur"] == point.prio.choice == "CU-01"
        usable = point.positions[point.positions["alerte"] == ""]
        better = int((usable["percentile_favorable"] > 50).sum())
        assert figures.loc["Comparaison avec les pairs", "valeur"] == f"{better} sur {len(usable)}"

    def test_decisions_cover_every_finding_once(self, point):
        dec = point.decisions
        assert dec["priorité"].is_monotonic_increasing
        urgent = dec[dec["priorité"] == 1]["décision"]
        assert urgent.str.contains("RH-FORMATIONS").any() and urgent.str.contains("RT-009").any()
        inv = point.diag.inventory
        held = inv[(inv["detenteur"] == "Délégataire (DSP)")
                   & (inv["clauses_donnees_dsp"] != "oui")]["identifiant"]
        dsp = dec[dec["sujet"].str.startswith("Délégation")]["décision"]
        assert len(dsp) == 1 and all(i in dsp.iloc[0] for i in held)
        late = point.kpis.summary.query("statut == 'en retard'")["code"]
        text = " ".join(dec["décision"])
        assert all(text.count(f"{code} (") == 1 for code in late)  # une fois chacun
        assert dec["décision"].str.contains("CUL-02 .*Désigner un pilote").any()
        assert "Société civile (à confirmer)" in text  # groupe du projet retenu
        # « véhicules électriques » : moins de 5 pairs, pas de décision sur une comparaison
        # peu fiable
        assert not dec["sujet"].str.contains("véhicules").any()

    def test_summary_names_urgent_count(self, point):
        text = comite.write_summary(point)
        n = int((point.decisions["priorité"] == 1).sum())
        assert f"dont {n} urgentes" in text and "15 janvier 2026" in text

    def test_open_data_files_without_personal_data(self, point, tmp_path):
        paths = comite.export_open_data(point, tmp_path)
        names = {p.name for p in paths}
        assert names == {"indicateurs_suivi.csv", "indicateurs_valeurs.csv", "maturite.csv",
                         "comparaison_pairs.csv", "metadonnees.json"}
        personal = _personal()
        for path in paths:
            text = path.read_text(encoding="utf-8")
            assert [v for v in personal if v in text] == [], path.name
        values = pd.read_csv(tmp_path / "indicateurs_valeurs.csv")
        assert len(values) == len(point.kpis.values)
        assert values["fin"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
        published = comite.published_files(paths).set_index("fichier")
        # une ligne par question du questionnaire 1.1.0 (30 questions, dix axes)
        assert published.loc["maturite.csv", "lignes"] == 30
        assert published["licence"].str.contains("Licence Ouverte").all()


class TestCheckOpen:
    def test_personal_column_name_is_refused(self):
        df = pd.DataFrame({"code": ["A"], "Courriel": ["x"]})
        with pytest.raises(KitError, match="« Courriel » \\(e-mail\\)"):
            comite.check_open(df, "essai")

    def test_fragment_inside_free_text_is_refused_without_showing_it(self):
        df = pd.DataFrame({"code": ["A", "B", "C"],
                           "commentaire": ["ok", "rappeler le 06 12 34 56 78", None]})
        with pytest.raises(KitError) as info:
            comite.check_open(df, "essai")
        assert "« commentaire » (1 cellule(s)" in str(info.value)
        assert "06 12" not in str(info.value)

    def test_aggregates_pass(self):
        comite.check_open(pd.DataFrame({"code": ["DEC-01"], "valeur": [249.9],
                                        "periode": ["2025"]}), "essai")

    def test_nothing_is_written_when_one_table_is_refused(self, point, tmp_path, monkeypatch):
        tables = {"bon": pd.DataFrame({"a": [1]}),
                  "mauvais": pd.DataFrame({"telephone": ["0612345678"]})}
        monkeypatch.setattr(comite, "open_data_tables", lambda c: tables)
        with pytest.raises(KitError, match="« mauvais » refusée"):
            comite.export_open_data(point, tmp_path / "od")
        assert not (tmp_path / "od").exists()


def test_alert_comes_first_and_missing_pilot():
    summary = pd.DataFrame([
        {"code": "A-01", "libelle": "Un", "statut": "en retard", "responsable": "Direction X",
         "ecart_cible": 2.0, "unite": "t", "maj_en_retard": False},
        {"code": "A-02", "libelle": "Deux", "statut": "alerte", "responsable": None,
         "ecart_cible": 5.0, "unite": "%", "maj_en_retard": True}])
    fake = SimpleNamespace(
        diag=SimpleNamespace(checks=pd.DataFrame(columns=["code", "message"]),
                             inventory=pd.DataFrame(columns=[
                                 "fichier", "ligne", "detenteur", "clauses_donnees_dsp",
                                 "nom_delegataire", "identifiant"])),
        kpis=SimpleNamespace(summary=summary), prio=SimpleNamespace(choice=None), positions=None)
    dec = comite.decisions(fake)
    assert dec.iloc[0]["décision"] == ("A-02 a franchi son seuil d'alerte, écart à la cible 5,0 "
                                       "% Désigner un pilote, puis lui demander un plan "
                                       "d'action.").replace("% D", "%. D")
    assert dec.iloc[1]["décision"].endswith("Demander un plan d'action au pilote (Direction X).")
    assert dec.iloc[2]["décision"].startswith("A-02 n'est plus mis à jour")
    assert dec["priorité"].tolist() == [1, 2, 3]


def test_no_benchmark_section_gives_no_positions():
    assert comite.run_benchmark({"nom": "x"}) is None


def test_committee_without_priorisation_or_benchmark(tmp_path):
    if not CONFIG.is_file():
        pytest.skip(f"{CONFIG} absent : générez d'abord les fichiers d'exemple")
    config = workspace.load_config(CONFIG)
    config = {k: v for k, v in config.items()
              if k not in ("priorisation", "benchmark", "comite", "feuille_de_route")}
    point = comite.run_committee(config)
    assert point.prio is None and point.positions is None and point.previous is None
    assert set(point.follow_up["suivi"]) == {"nouvelle"} and point.status_changes.empty
    assert set(point.figures["sujet"]) == {"Maturité des données", "Jeux de données inventoriés",
                                           "Indicateurs suivis"}
    assert not point.decisions["étape"].isin(["2. Priorisation", "4. Comparaison"]).any()
    names = {p.name for p in comite.export_open_data(point, tmp_path)}
    assert names == {"indicateurs_suivi.csv", "indicateurs_valeurs.csv", "metadonnees.json"}


class TestFollowUp:
    def test_sample_follow_up_since_previous_committee(self, point):
        assert point.previous == dt.date(2025, 12, 15)
        follow = point.follow_up.set_index("sujet")
        assert follow.loc["Données personnelles : RH-FORMATIONS", "suivi"] == "toujours ouverte"
        assert follow.loc["Données personnelles : RH-FORMATIONS", "depuis"] == "2025-11-17"
        assert follow.loc["Données personnelles : CUL-LECTEURS", "suivi"] == "réglée"
        assert follow.loc["En retard : Service urbanisme", "suivi"] == "réglée"
        assert follow.loc["En retard : Direction de l'eau", "suivi"] == "nouvelle"
        assert len(point.follow_up) == len(point.decisions) + 2  # plus les deux réglées
        changes = point.status_changes.set_index("code")
        assert changes.loc["URB-01"].tolist()[1:] == ["en retard", "en avance"]
        assert "DEC-02" not in changes.index  # inchangé
        figure = point.figures.set_index("sujet").loc["Depuis le comité du 15 décembre 2025"]
        assert figure["valeur"] == "2 décision(s) réglée(s)"
        assert comite.follow_up_table(point)["ouverte depuis"].iloc[0] == "17 novembre 2025"

    def test_snapshot_is_written_and_carries_first_date(self, point, out_dir):
        written = sorted(out_dir.glob("comite_*.json"))
        assert [p.name for p in written] == ["comite_2026-01-15.json"]
        record = json.loads(written[0].read_text(encoding="utf-8"))
        since = {d["sujet"]: d["depuis"] for d in record["decisions"]}
        assert since["Données personnelles : RH-FORMATIONS"] == "2025-11-17"
        assert since["En retard : Direction de l'eau"] == "2026-01-15"
        assert record["indicateurs"]["URB-01"] == "en avance"
        text = written[0].read_text(encoding="utf-8")
        assert [v for v in _personal() if v in text] == []

    def test_latest_snapshot_before_date_and_corrupt_file(self, tmp_path):
        from kit.comite import latest_snapshot

        for day in ("2025-10-01", "2025-12-01", "2026-02-01"):
            (tmp_path / f"comite_{day}.json").write_text(json.dumps(
                {"date": day, "decisions": [], "indicateurs": {}}), encoding="utf-8")
        (tmp_path / "comite_notes.json").write_text("{}", encoding="utf-8")
        assert latest_snapshot(tmp_path, dt.date(2026, 1, 15))["date"] == "2025-12-01"
        assert latest_snapshot(tmp_path, dt.date(2025, 10, 1)) is None
        assert latest_snapshot(tmp_path / "absent", dt.date(2026, 1, 1)) is None
        (tmp_path / "comite_2026-01-01.json").write_text("{pas du json", encoding="utf-8")
        with pytest.raises(KitError, match="« comite_2026-01-01.json » est illisible"):
            latest_snapshot(tmp_path, dt.date(2026, 1, 15))

    def test_compare_decisions_by_hand(self):
        from kit.comite import compare_decisions

        now = pd.DataFrame([(2, "1. Diagnostic", "A", "x"), (1, "3. Indicateurs", "B", "y")],
                           columns=["priorité", "étape", "sujet", "décision"])
        previous = {"decisions": [
            {"priorité": 2, "étape": "1. Diagnostic", "sujet": "A", "depuis": "2025-01-01"},
            {"priorité": 3, "étape": "4. Comparaison", "sujet": "C", "depuis": "2025-02-01"}],
            "indicateurs": {}}
        got = compare_decisions(now, previous)
        assert got[["suivi", "sujet", "priorité"]].values.tolist() == [
            ["toujours ouverte", "A", 2], ["nouvelle", "B", 1], ["réglée", "C", 3]]
        assert got["depuis"].tolist()[0] == "2025-01-01" and pd.isna(got["depuis"].tolist()[1])
        assert set(compare_decisions(now, None)["suivi"]) == {"nouvelle"}


def test_previous_decision_without_priority_is_kept():
    from kit.comite import compare_decisions

    now = pd.DataFrame(columns=["priorité", "étape", "sujet", "décision"])
    got = compare_decisions(now, {"decisions": [{"étape": "1. Diagnostic", "sujet": "A"}],
                                  "indicateurs": {}})
    assert got[["suivi", "priorité"]].values.tolist() == [["réglée", 3]]
