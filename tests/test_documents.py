"""Documents de la méthode (kit.documents) : charte, clauses, acculturation, organisation.

Les valeurs attendues viennent des faits posés dans data/samples/pieges.json et des fichiers
d'exemple relus ici directement avec openpyxl et PyYAML, jamais de la sortie du kit.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pytest
import yaml

from kit.__main__ import main
from kit.documents import clean, contract_ends, slug, write_all_clauses, write_documents
from kit.errors import ConfigError
from kit.workspace import SAMPLES_DIR, load_config

CONFIG = SAMPLES_DIR / "collectivite.yaml"
PIEGES = json.loads((SAMPLES_DIR / "pieges.json").read_text(encoding="utf-8"))


def _text(path: Path) -> str:
    """Tout le texte d'un document : paragraphes et cellules des tableaux."""
    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _rows(path: Path, sheet: str | None = None) -> list[dict]:
    """Lignes d'une feuille sous forme de dictionnaires (en-tête = première ligne qui contient
    un libellé de colonne connu : « Service », « Identifiant », « Axe », « Code »…)."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    values = list(ws.iter_rows(values_only=True))
    wb.close()
    start = next(i for i, r in enumerate(values) if any(
        isinstance(v, str) and v.strip() in ("Service", "Identifiant", "Axe", "Code",
                                             "Code du cas d'usage") for v in r))
    header = [str(v).strip() if v is not None else "" for v in values[start]]
    return [dict(zip(header, r)) for r in values[start + 1:] if any(v is not None for v in r)]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("documents")
    return write_documents(load_config(CONFIG), out)


@pytest.fixture(scope="module")
def inventory_by_operator():
    """Opérateur → identifiants, relus dans les inventaires avec openpyxl."""
    found = defaultdict(set)
    for path in sorted((SAMPLES_DIR / "diagnostic" / "inventaires").glob("*.xlsx")):
        for row in _rows(path, "Données"):
            name = row.get("Nom du délégataire")
            if name:
                found[str(name).strip()].add(str(row["Identifiant"]).strip())
    return found


class TestFiles:
    def test_names_and_opening(self, written, inventory_by_operator):
        folder = written.charte.parent
        names = {p.name for p in folder.glob("*.docx")}
        expected = {"charte_donnees.docx", "plan_acculturation.docx", "organisation.docx"}
        expected |= {f"clauses_donnees_{slug(n)}.docx" for n in inventory_by_operator}
        assert names == expected
        for path in written.paths():
            assert docx.Document(str(path)).paragraphs  # s'ouvre avec python-docx

    def test_slug(self):
        assert slug("Syndicat de traitement du Val d'Aurore") == \
            "syndicat_de_traitement_du_val_d_aurore"

    def test_no_personal_data(self, written):
        # Toutes les valeurs personnelles posées dans les exemples (noms, prénoms, e-mails,
        # téléphones, NIR, dates de naissance) : aucune dans aucun document.
        texts = {p.name: _text(p) for p in written.paths()}
        for value in PIEGES["donnees_personnelles"]:
            pattern = re.compile(rf"(?<!\w){re.escape(str(value))}(?!\w)")
            for name, text in texts.items():
                assert not pattern.search(text), f"{value!r} trouvé dans {name}"
        for name, text in texts.items():
            assert not re.search(r"[\w.+-]+@[\w-]+\.\w+", text), name


class TestCharter:
    def test_content(self, written):
        text = _text(written.charte)
        cfg = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
        assert cfg["nom"] in text
        assert "projet à délibérer" in text.lower()
        for value in cfg["equipe_donnees"].values():
            assert str(value) in text
        for principle in ("Finalités", "DPO", "Ouverture par défaut", "partenaires",
                          "Sécurité", "Réversibilité", "qui décide"):
            assert principle in text

    def test_personal_datasets_and_holders(self, written):
        personal, holders = set(), defaultdict(int)
        for path in sorted((SAMPLES_DIR / "diagnostic" / "inventaires").glob("*.xlsx")):
            for row in _rows(path, "Données"):
                if str(row.get("Données personnelles", "")).strip().lower() == "oui":
                    personal.add(row["Identifiant"])
                holders[row.get("Détenteur") or "non renseigné"] += 1
        d = docx.Document(str(written.charte))
        cells = {c.text for t in d.tables for r in t.rows for c in r.cells}
        assert personal <= cells
        # pièges : RH-FORMATIONS est personnel sans référence au registre, CCAS-RDV cite un
        # traitement absent du registre
        assert "RH-FORMATIONS" in personal
        codes = {i["identifiant"]: i["code"] for i in PIEGES["diagnostic"]["incoherences"]}
        assert codes["RH-FORMATIONS"] == "rgpd-sans-registre"
        assert codes["CCAS-RDV"] == "rgpd-reference-inconnue"
        rows = {r.cells[0].text: r.cells[3].text for r in d.tables[1].rows[1:]}
        assert rows["RH-FORMATIONS"] == "à inscrire au registre"
        assert "absent du registre" in rows["CCAS-RDV"]
        assert "Administratrice générale des données : nommée en 2025" in _text(written.charte)
        table = d.tables[0]
        counts = {r.cells[0].text: r.cells[1].text for r in table.rows[1:]}
        assert counts == {k: str(v) for k, v in holders.items()}


class TestClauses:
    def test_each_operator(self, written, inventory_by_operator):
        assert set(written.clauses) == set(inventory_by_operator)
        for name, ids in inventory_by_operator.items():
            text = _text(written.clauses[name])
            assert name in text
            for ident in ids:
                assert ident in text
            for topic in ("Formats", "Fréquence", "Indicateurs de qualité", "Accès",
                          "Sécurité", "Réversibilité", "Licence", "Données personnelles",
                          "Clause type"):
                assert topic in text, (name, topic)

    def test_planted_clause_status_and_end_dates(self, written):
        dsp = [i["identifiant"] for i in PIEGES["diagnostic"]["incoherences"]
               if i["code"] == "dsp-sans-clause"]
        text = _text(written.clauses["Aquavia Services"])
        assert all(i in text for i in dsp)
        assert "« inconnu » pour 3 jeu(x)" in text and "« non » pour 1 jeu(x)" in text
        cfg = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
        assert cfg["documents"]["contrats"]["Aquavia Services"] == "2027-06-30"
        assert "30 juin 2027" in text
        assert "Fin du contrat : non connue" in _text(written.clauses["Comptaville"])

    def test_holder_missing_still_listed(self, written):
        # piège : l'inventaire des déchets n'a pas de colonne « Détenteur » ; le syndicat de
        # traitement y est nommé et reçoit quand même ses clauses
        text = _text(written.clauses["Syndicat de traitement du Val d'Aurore"])
        assert "DEC-TRAITEMENT" in text and "non renseigné" in text

    def test_hostile_values_stay_text(self, tmp_path):
        inv = pd.DataFrame({
            "identifiant": ["X-1"], "titre": ["<script>alert(1)</script> & co\x07"],
            "service_producteur": ["Eau"], "detenteur": ["Prestataire"],
            "nom_delegataire": ["<b>Op</b> écrire à jean.dupont@exemple.fr"],
            "format": ["CSV"], "frequence_maj": ["Annuelle"], "mode_acces": ["Payant"],
            "clauses_donnees_dsp": [None], "donnees_personnelles": [False]})
        (path,) = write_all_clauses(inv, "Ville test", tmp_path).values()
        text = _text(path)
        assert "<script>alert(1)</script> & co" in text and "<b>Op</b>" in text
        assert "jean.dupont" not in text and "\x07" not in text

    def test_clean(self):
        assert clean("tél. 06 12 34 56 78") == "tél. [donnée personnelle masquée]"
        assert clean(float("nan")) == ""


def _maturity_2025() -> dict[str, float]:
    """Score moyen par service (moyenne des moyennes par axe), relu avec openpyxl ; réponses
    hors de 1 à 5 écartées, questionnaires sans réponse ignorés."""
    out = {}
    for path in sorted((SAMPLES_DIR / "diagnostic" / "maturite_2025").glob("*.xlsx")):
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        ident = {r[0]: r[1] for r in wb["Identification"].iter_rows(values_only=True)}
        wb.close()
        service = next(v for k, v in ident.items() if str(k).startswith("Service"))
        by_axis = defaultdict(list)
        for row in _rows(path, "Questionnaire"):
            value = row.get("Réponse (1 à 5)")
            if isinstance(value, (int, float)) and 1 <= value <= 5:
                by_axis[row["Axe"]].append(value)
        if by_axis:
            means = [sum(v) / len(v) for v in by_axis.values()]
            out[service] = sum(means) / len(means)
    return out


class TestAcculturation:
    def test_attendance_and_examples(self, written):
        text = _text(written.acculturation)
        scores = _maturity_2025()
        lowest = sorted(scores, key=scores.get)[:3]
        for service in lowest:
            assert service in text
        # piège : questionnaire vide de l'urbanisme → service à inviter
        assert PIEGES["diagnostic"]["questionnaire_vide"] == "maturite_2025/urbanisme.xlsx"
        assert "à inviter aussi : Urbanisme" in text
        # groupe de travail du cas choisi (CU-01, relu dans les fichiers)
        members = [r for r in _rows(SAMPLES_DIR / "priorisation" / "groupe_travail.xlsx")
                   if r["Code du cas d'usage"] == "CU-01"]
        for m in members:
            assert m["Fonction (pas de nom)"] in text
        cases = _rows(SAMPLES_DIR / "priorisation" / "cas_usage.xlsx")
        chosen = next(c for c in cases if c.get("Code") == "CU-01")
        assert str(chosen["Cas d'usage"]) in text
        for ident in re.split(r"\s*;\s*", chosen["Jeux de données nécessaires"]):
            assert ident in text
        # la société civile siège au groupe de CU-01 → atelier dédié
        assert "Atelier « société civile »" in text
        assert "Séance de lancement n° 1" in text and "Séance de lancement n° 2" in text
        assert "plan de déploiement" in text.lower()
        assert "Atelier « élus »" in text and "Atelier « agents »" in text


class TestOrganisation:
    def test_models_relays_needs(self, written):
        text = _text(written.organisation)
        for model in ("Mission autonome", "Rattachée à la DGS ou à une DGA",
                      "Répartie dans les directions"):
            assert model in text
        assert "administrateur général des données" in text.lower()
        cfg = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
        structures = {r["Service ou structure"]
                      for r in _rows(SAMPLES_DIR / "priorisation" / "groupe_travail.xlsx")}
        none = [s["nom"] for s in cfg["services"] if s["nom"] not in structures]
        assert none  # les exemples ont des services sans relais
        assert f"Services sans relais ({len(none)}) : {', '.join(none)}." in text
        # aucun service n'atteint 3 sur 5 → la DGS est suggérée (règle du kit)
        assert max(_maturity_2025().values()) < 3
        assert "Ce que suggère le diagnostic : Rattachée à la DGS ou à une DGA." in text

    def test_training_counts(self, written):
        rows = _rows(SAMPLES_DIR / "rh" / "competences_agents.xlsx")
        header = {_norm(k): k for k in rows[0]}
        agents = [r for r in rows if r.get(header["service"])]
        skill = header["sig"]
        # piège : J17 vaut 7, hors de l'échelle 1 à 4 : ni autonome, ni compté comme tel
        assert [e["valeur"] for e in PIEGES["erreurs_attendues"]
                if e["fichier"] == "rh/competences_agents.xlsx"] == [7]
        autonomous = sum(1 for r in agents if isinstance(r[skill], (int, float))
                         and 3 <= r[skill] <= 4)
        d = docx.Document(str(written.organisation))
        table = next(t for t in d.tables if t.rows[0].cells[0].text == "Compétence")
        line = next(r for r in table.rows if r.cells[0].text.startswith("SIG"))
        assert line.cells[1].text == str(autonomous)
        assert line.cells[2].text == str(len(agents) - autonomous)


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


class TestCli:
    def test_documents_command(self, tmp_path, capsys):
        assert main(["documents", "--config", str(CONFIG), "--sortie", str(tmp_path)]) == 0
        assert (tmp_path / "charte_donnees.docx").exists()
        assert "document(s) écrit(s)" in capsys.readouterr().out

    def test_bad_config(self, tmp_path, capsys):
        assert main(["documents", "--config", str(tmp_path / "absent.yaml")]) == 2
        assert "Erreur" in capsys.readouterr().err

    def test_bad_contract_date(self):
        config = load_config(CONFIG)
        config["documents"] = {"contrats": {"Aquavia Services": "bientôt"}}
        with pytest.raises(ConfigError, match="documents.contrats.Aquavia Services"):
            contract_ends(config)
        config["documents"] = {"contrats": {"Aquavia Services": "01/06/2027"}}
        assert str(contract_ends(config)["Aquavia Services"]) == "2027-06-01"


# --------------------------------------------------------------------------- questionnaire
OLD_TEMPLATE = Path(__file__).parent / "data" / "questionnaire_maturite_1.0.0.xlsx"


def _fill_old(path: Path, service: str, value: int) -> Path:
    """Remplit une copie du modèle de la version 1.0.0 (fichier écrit par l'ancien générateur,
    gardé tel quel dans tests/data) comme le ferait un service : même réponse partout."""
    wb = openpyxl.load_workbook(OLD_TEMPLATE)
    ws = wb["Questionnaire"]
    header = [c.value for c in ws[1]]
    col = header.index("Réponse (1 à 5)") + 1
    for row in range(2, ws.max_row + 1):
        if ws.cell(row=row, column=2).value:
            ws.cell(row=row, column=col, value=value)
    ident = wb["Identification"]
    assert [ident.cell(row=r, column=1).value for r in range(2, 6)][-1].startswith("Fonction")
    ident["B3"] = service
    wb.save(path)
    return path


class TestQuestionnaireVersions:
    def test_old_template_file_reads(self, tmp_path):
        from kit.diagnostic import NO_PROFILE, load_maturity, score_maturity
        from kit.templates import MATURITY_QUESTIONS_V1

        _fill_old(tmp_path / "culture.xlsx", "Culture", 2)
        answers, problems = load_maturity(tmp_path, campagne="2025")
        assert len(answers) == 24 == len(MATURITY_QUESTIONS_V1)
        assert set(answers["profil"]) == {NO_PROFILE}
        assert answers["commentaire"].isna().all()
        assert not (problems["niveau"] == "erreur").any()
        scores = score_maturity(answers)
        assert scores["axe"].nunique() == 8 and set(scores["score"]) == {2.0}

    def test_old_and_new_in_one_campaign(self, tmp_path):
        from kit.diagnostic import load_maturity
        from kit.templates import MATURITY_QUESTIONS, write_questionnaire

        _fill_old(tmp_path / "culture.xlsx", "Culture", 2)
        write_questionnaire(tmp_path / "eau.xlsx", service="Eau", profil="agent",
                            answers={q["code"]: 3 for q in MATURITY_QUESTIONS})
        answers, problems = load_maturity(tmp_path, campagne="2025")
        assert len(answers) == 24 + 30
        old = problems[problems["code"] == "ancienne-version"]
        assert set(old["fichier"]) == {"culture.xlsx"}
        messages = " ".join(old["message"])
        # le modèle 1.0.0 est reconnu, et les 6 questions qui lui manquent sont citées
        assert "version 1.0.0" in messages
        assert all(c in messages for c in ("EVA-1", "EVA-3", "MOY-1", "MOY-3"))

    def test_old_version_through_parameter(self, tmp_path):
        from kit.templates import (
            MATURITY_QUESTIONS_V1,
            read_identification,
            write_questionnaire,
        )

        path = write_questionnaire(tmp_path / "v1.xlsx", service="Eau",
                                   questions=MATURITY_QUESTIONS_V1, respondent_profile=False)
        labels = [c.value for c in openpyxl.load_workbook(path)["Identification"]["A"]]
        assert not any("Profil" in str(v) for v in labels)
        assert read_identification(path)["profil"] == ""


class TestProfiles:
    def _campaign(self, tmp_path):
        from kit.templates import write_questionnaire

        # Cas fait à la main : deux axes (GOV, QUA), trois répondants.
        write_questionnaire(tmp_path / "elu.xlsx", service="Finances", profil="élu",
                            answers={"GOV-1": 4, "GOV-2": 5, "QUA-1": 3})
        write_questionnaire(tmp_path / "agent.xlsx", service="Eau", profil="Agent",
                            answers={"GOV-1": 2, "GOV-2": 1, "QUA-1": (1, 3, ("Rien n'est "
                                                                        "documenté, voir "
                                                                        "a.b@exemple.fr"))})
        write_questionnaire(tmp_path / "dir.xlsx", service="Culture", profil="direction",
                            answers={"GOV-1": 3})
        return tmp_path

    def test_split_by_profile(self, tmp_path):
        from kit.diagnostic import compare_profiles, load_maturity, score_maturity

        answers, _ = load_maturity(self._campaign(tmp_path), campagne="2025")
        by = score_maturity(answers, by="profil").set_index(["profil", "axe"])["score"]
        gov = "Gouvernance et pilotage"
        qua = "Qualité et documentation des données"
        # à la main : élu GOV (4+5)/2 = 4,5 ; agent GOV (2+1)/2 = 1,5 ; direction GOV 3
        assert by[("élu", gov)] == 4.5 and by[("agent", gov)] == 1.5
        assert by[("direction", gov)] == 3.0 and by[("élu", qua)] == 3.0
        table = compare_profiles(answers)
        assert list(table.columns) == ["élu", "direction", "agent", "ecart_elus_agents"]
        assert table.loc[gov, "ecart_elus_agents"] == 3.0   # 4,5 − 1,5
        assert table.loc[qua, "ecart_elus_agents"] == 2.0   # 3 − 1
        assert table.loc["Ensemble", "ecart_elus_agents"] == 2.5
        assert table.attrs["questionnaires"] == {"agent": 1, "direction": 1, "élu": 1}

    def test_comment_kept_with_weakest_answers(self, tmp_path):
        from kit.diagnostic import improvement_actions, load_maturity

        answers, _ = load_maturity(self._campaign(tmp_path), campagne="2025")
        assert answers.set_index(["service", "code"]).loc[("Eau", "QUA-1"), "commentaire"] \
            .startswith("Rien n'est documenté")
        actions = improvement_actions(answers, threshold=2.0).set_index("code")
        text = actions.loc["QUA-1", "commentaires"] if "QUA-1" in actions.index else ""
        # QUA-1 : moyenne (3 + 1) / 2 = 2 → question faible ; le commentaire de l'Eau suit
        assert text == "Eau : Rien n'est documenté, voir [donnée personnelle masquée]"

    def test_unknown_profile_warns(self, tmp_path):
        from kit.diagnostic import NO_PROFILE, load_maturity
        from kit.templates import write_questionnaire

        write_questionnaire(tmp_path / "x.xlsx", service="Eau", profil="stagiaire",
                            answers={"GOV-1": 2})
        answers, problems = load_maturity(tmp_path, campagne="2025")
        assert set(answers["profil"]) == {NO_PROFILE}
        assert "stagiaire" in problems[problems["code"] == "profil-inconnu"]["message"].iloc[0]

    def test_sample_comments_and_profiles_in_plan(self, written):
        traps = PIEGES["diagnostic"]
        text = _text(written.acculturation)
        first = traps["commentaires_2025"][0]
        assert first["texte"] in text
        phone = next(c["texte"] for c in traps["commentaires_2025"] if "06 " in c["texte"])
        assert re.search(r"0\d(?: \d\d){4}", phone) and "06 11 22 33 44" not in text
        assert "donnée personnelle masquée" in text
        assert "élu" in traps["profils_2025"].values() and "Regards croisés" in text


class TestWithoutOptionalSections:
    def test_no_prioritization_no_skills(self, tmp_path):
        config = load_config(CONFIG)
        config.pop("priorisation")
        config["diagnostic"] = {k: v for k, v in config["diagnostic"].items()
                                if k not in ("competences", "pairs")}
        out = write_documents(config, tmp_path)
        assert out.priorisation is None
        plan, orga = _text(out.acculturation), _text(out.organisation)
        assert "Cas d'usage choisi" not in plan and "Séance de lancement n° 2" in plan
        assert "Pas d'atelier « société civile »" in plan
        assert "Pas de carte des compétences" in orga
        # sans groupe de travail, aucun relais n'est connu : tous les services sont listés
        cfg = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
        n = len(cfg["services"])
        assert f"Services sans relais ({n}) :" in orga


def _profile_means_2025() -> dict[str, dict[str, float]]:
    """Profil → axe → moyenne des réponses 1 à 5, relues avec openpyxl dans les questionnaires
    2025 (profil lu dans la feuille « Identification »)."""
    values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted((SAMPLES_DIR / "diagnostic" / "maturite_2025").glob("*.xlsx")):
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        ident = {str(r[0]): r[1] for r in wb["Identification"].iter_rows(values_only=True)}
        wb.close()
        profil = next(v for k, v in ident.items() if k.startswith("Profil"))
        for row in _rows(path, "Questionnaire"):
            value = row.get("Réponse (1 à 5)")
            if isinstance(value, (int, float)) and 1 <= value <= 5:
                values[profil][row["Axe"]].append(value)
    return {p: {a: sum(v) / len(v) for a, v in axes.items()} for p, axes in values.items()}


class TestProfilesInSample:
    def test_gap_in_synthesis(self, written):
        from kit.diagnostic import write_synthesis

        means = _profile_means_2025()
        assert set(PIEGES["diagnostic"]["profils_2025"].values()) == {"élu", "direction",
                                                                     "agent"}
        gaps = [means["élu"][a] - means["agent"][a] for a in means["élu"]]
        gap = sum(gaps) / len(gaps)
        assert len(gaps) == 10 and gap > 0.5
        text = write_synthesis(written.diagnostic)
        expected = f"{gap:.2f}".replace(".", ",")
        assert f"les élus jugent la maturité plus élevée que les agents ({expected} point" in text


def test_open_maturity_files_accept_new_axes(written, tmp_path):
    # Les fichiers ouverts des pairs portent les 30 questions (relus avec le module csv) ; le
    # schéma maturite_ouverte accepte les deux nouveaux axes : aucune cellule écartée.
    import csv

    from kit.diagnostic import compare_with_peers, export_open_maturity, load_peer_maturity

    folder = SAMPLES_DIR / "diagnostic" / "maturite_pairs"
    first = min(folder.glob("*.csv"))
    with first.open(encoding="utf-8", newline="") as f:
        axes = {row["axe"] for row in csv.DictReader(f)}
    assert {"Usage de la donnée pour décider et évaluer", "Moyens et investissements"} <= axes
    peers, problems = load_peer_maturity(folder)
    assert problems.empty or not (problems["niveau"] == "erreur").any()
    assert peers["axe"].notna().all()
    own = export_open_maturity(written.diagnostic.answers, tmp_path / "ouvert.csv",
                               collectivite="Ville de Clairval", type_collectivite="Commune",
                               strate="35 000 à 49 999 habitants")
    matrix = compare_with_peers(own, peers)
    assert matrix["Moyens et investissements"].notna().all() and len(matrix) == 9
