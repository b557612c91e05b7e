"""Partager les résultats (kit.publish) sur l'exemple de Clairval et sur des tableaux faits
main."""

from __future__ import annotations

import csv
import hashlib
import html
import json
from pathlib import Path

import frictionless
import openpyxl
import pandas as pd
import pytest

from kit.comite import run_committee
from kit.errors import DataError, KitError
from kit.publish import (
    CATALOGUE_SCHEMA,
    export_portal,
    export_tables,
    lessons_markdown,
    publish_all,
    read_peer_notes,
    write_lessons,
    write_public_page,
)
from kit.workspace import load_config

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SHARED_SCHEMA = Path("/work/shared/data/scdl/catalogue/schema.json")
# SIRET fictif de 14 chiffres (Clairval n'existe pas).
PUBLICATION = {"siret": "21070999900017", "portail": "https://donnees.clairval.example/"}


@pytest.fixture(scope="module")
def config():
    cfg = load_config(SAMPLES / "collectivite.yaml")
    return {**cfg, "publication": dict(PUBLICATION)}


@pytest.fixture(scope="module")
def committee(config, tmp_path_factory):
    return run_committee(config, tmp_path_factory.mktemp("comite"))


@pytest.fixture(scope="module")
def out(committee, config, tmp_path_factory):
    dest = tmp_path_factory.mktemp("publication")
    publish_all(committee, dest, config=config)
    return dest


@pytest.fixture(scope="module")
def page(out):
    return (out / "public" / "index.html").read_text(encoding="utf-8")


def _open_titles() -> list[str]:
    """Titres des jeux « Open data publié », lus directement dans les inventaires (openpyxl)."""
    titles = []
    for path in sorted((SAMPLES / "diagnostic" / "inventaires").glob("*.xlsx")):
        rows = list(openpyxl.load_workbook(path, read_only=True)["Données"]
                    .iter_rows(values_only=True))
        head = list(rows[0])
        if "Mode d'accès" not in head:
            continue
        mode, title = head.index("Mode d'accès"), head.index("Titre")
        titles += [r[title] for r in rows[1:] if r[mode] == "Open data publié"]
    return titles


class TestPublicPage:
    def test_no_personal_data(self, page):
        traps = json.loads((SAMPLES / "pieges.json").read_text(encoding="utf-8"))
        for value in traps["donnees_personnelles"]:
            assert value not in page and html.escape(value) not in page, value
        for cell in traps["cellules_hostiles"]:
            assert cell["valeur"] not in page and html.escape(cell["valeur"]) not in page

    def test_nothing_internal(self, page, committee):
        for code in set(committee.diag.checks["code"]) | set(committee.diag.problems["code"]):
            assert code not in page
        for message in committee.diag.checks["message"]:
            assert html.escape(message) not in page
        for code in committee.kpis.summary["code"]:  # codes des indicateurs
            assert code not in page
        assert "CU-01" not in page and "RT-00" not in page
        assert "inventaire_" not in page and ".xlsx" not in page and "data/" not in page
        # ni pilote d'indicateur ni score de maturité par service
        assert "Direction de la propreté" not in page and "maturité" not in page.lower()

    def test_open_datasets_and_project(self, page):
        titles = _open_titles()
        assert len(titles) == 2  # CCAS-ABS et FIN-SUBVENTIONS (data/samples/README.md)
        for title in titles:
            assert html.escape(title) in page
        # projet retenu : CU-01, tournées de collecte (data/samples/README.md)
        assert "Optimiser les tournées de collecte des déchets" in page
        assert "mutualisé avec l&#x27;agglomération" in page  # fonction du DPO (YAML)
        assert "<strong>8</strong> traitement(s)" in page  # RT-001 à RT-008

    def test_offline_and_mobile(self, page):
        # aucune ressource extérieure (l'adresse du portail n'est qu'un texte)
        assert "<script" not in page and "src=" not in page and "<link" not in page
        assert "url(" not in page and 'href="http' not in page
        assert 'name="viewport"' in page and "@media" in page


class TestPortal:
    def test_packages_validate(self, out):
        report = frictionless.validate(str(out / "donnees_ouvertes" / "datapackage.json"))
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]

    def test_catalogue_validates_against_national_schema(self, out):
        folder = out / "donnees_ouvertes"
        schema = frictionless.Schema.from_descriptor(
            json.loads(CATALOGUE_SCHEMA.read_text(encoding="utf-8")))
        report = frictionless.validate(frictionless.Resource(
            path="catalogue.csv", basepath=str(folder), schema=schema))
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
        with open(folder / "catalogue.csv", encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        # seul FIN-SUBVENTIONS a une licence ; CCAS-ABS (sans licence) est laissé de côté
        assert [r["TITRE"] for r in rows] == ["Subventions versées aux associations"]
        notes = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))["notes"]
        assert any("Analyse des besoins sociaux" in n for n in notes)

    def test_shipped_schema_is_the_national_one(self):
        if not SHARED_SCHEMA.exists():
            pytest.skip("Schéma SCDL « catalogue » de /work/shared absent : comparaison "
                        "impossible.")
        assert (hashlib.sha256(CATALOGUE_SCHEMA.read_bytes()).hexdigest()
                == hashlib.sha256(SHARED_SCHEMA.read_bytes()).hexdigest())
        readme = (CATALOGUE_SCHEMA.parent / "README.md").read_text(encoding="utf-8")
        assert hashlib.sha256(CATALOGUE_SCHEMA.read_bytes()).hexdigest() in readme

    def test_small_counts_suppressed(self, tmp_path):
        df = pd.DataFrame({"quartier": ["Nord", "Sud", "Est", "Ouest"],
                           "nb_usagers": [3, 25, 10, 11], "taux": [0.5, 0.25, 0.1, 0.2]})
        export_tables({"usagers": df}, tmp_path, producer="Essai", date="2026-01-15")
        with open(tmp_path / "usagers.csv", encoding="utf-8", newline="") as f:
            counts = [r["nb_usagers"] for r in csv.DictReader(f)]
        assert counts == ["", "25", "", "11"]  # 3 et 10 < 11 : effacés
        meta = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
        assert "2 effectif(s)" in meta["resources"][0]["description"]
        assert frictionless.validate(str(tmp_path / "datapackage.json")).valid
        export_tables({"usagers": df}, tmp_path / "b", producer="Essai", date="2026-01-15",
                      threshold=5)
        with open(tmp_path / "b" / "usagers.csv", encoding="utf-8", newline="") as f:
            assert [r["nb_usagers"] for r in csv.DictReader(f)] == ["", "25", "10", "11"]

    def test_threshold_from_configuration(self, committee, config, tmp_path):
        export_portal(committee, tmp_path, config={**config, "publication": {
            **PUBLICATION, "seuil_secret": 2}})
        with open(tmp_path / "maturite.csv", encoding="utf-8", newline="") as f:
            answers = [r["nb_reponses"] for r in csv.DictReader(f)]
        assert "" not in answers  # 8 ou 9 réponses par question, au-dessus de 2

    def test_personal_column_blocks(self, tmp_path):
        df = pd.DataFrame({"Courriel": ["a.b@exemple.fr", "c.d@exemple.fr"], "n": [1, 2]})
        with pytest.raises(DataError, match="Courriel"):
            export_tables({"contacts": df}, tmp_path, producer="Essai", date="2026-01-15")
        assert not list(tmp_path.iterdir())

    def test_formulas_neutralised(self, tmp_path):
        df = pd.DataFrame({"libelle": ['=HYPERLINK("http://x")', "ok"], "valeur": [1.5, 2]})
        export_tables({"t": df}, tmp_path, producer="Essai", date="2026-01-15")
        with open(tmp_path / "t.csv", encoding="utf-8", newline="") as f:
            assert next(csv.DictReader(f))["libelle"].startswith("'=")


class TestLessons:
    def test_note_and_anonymous(self, committee, config, tmp_path):
        md, page_ = write_lessons(committee, tmp_path / "a", config=config)
        text = md.read_text(encoding="utf-8")
        assert "Ville de Clairval" in text and "Optimiser les tournées" in text
        assert "Banque des Territoires" in text  # feuille « Budget » de l'exemple
        md, page_ = write_lessons(committee, tmp_path / "b", config=config, anonymous=True)
        for path in (md, page_):
            text = path.read_text(encoding="utf-8")
            assert "Clairval" not in text and "07999" not in text
            assert "CU-01" not in text and "DEC-04" not in text

    def test_peers_ranked_by_similarity(self, committee, config, tmp_path):
        base = {"note": "retour_experience_kit_territoires", "date": "2026-01-15",
                "etapes": ["diagnostic"], "cas_usage": None, "pourquoi": None,
                "indicateurs": [], "financement": [], "ce_qui_a_marche": [],
                "ce_qui_a_bloque": [], "contact": "DSI"}
        peers = {"p1": ("Bourg A", "Commune", "10 000 à 19 999 habitants", 15000),
                 "p2": ("Ville B", "Commune", "35 000 à 49 999 habitants", 48000),
                 "p3": ("Agglo C", "EPCI", "35 000 à 49 999 habitants", 40000),
                 "p4": ("Ville D", "Commune", "35 000 à 49 999 habitants", 43000)}
        for stem, (name, kind, strate, pop) in peers.items():
            data = {"collectivite": name, **base, "type": kind, "strate": strate,
                    "population": pop, "cas_usage": f"Projet de {name}",
                    "financement": [{"source": "DSIL", "planifie": 1000.0, "paye": 0.0}]}
            (tmp_path / f"{stem}.md").write_text(lessons_markdown(data), encoding="utf-8")
        with open(tmp_path / "maturite_ouverte_e.csv", "w", encoding="utf-8",
                  newline="") as f:
            w = csv.writer(f)
            w.writerow(["collectivite", "type_collectivite", "strate", "campagne", "axe",
                        "code", "score", "nb_reponses"])
            w.writerow(["Ville E", "Commune", "35 000 à 49 999 habitants", "2025-12-31",
                        "Gouvernance", "GOV-1", "3", "9"])
            w.writerow(["Ville B", "Commune", "35 000 à 49 999 habitants", "2025-12-31",
                        "Gouvernance", "GOV-1", "2", "9"])
        (tmp_path / "autre.md").write_text("# pas une note du kit\n", encoding="utf-8")
        table = read_peer_notes(tmp_path, config)
        # à la main : même strate et type, population la plus proche de 42 000 d'abord
        # (D 1 000, B 6 000, E inconnue), puis même strate autre type (C), puis A
        assert table["collectivite"].tolist() == ["Ville D", "Ville B", "Ville E", "Agglo C",
                                                  "Bourg A"]
        b = table.set_index("collectivite").loc["Ville B"]
        assert b["maturite"] == 2 and b["cas_usage"] == "Projet de Ville B"
        assert "DSIL" in b["financement"]

    def test_own_note_read_back(self, committee, config, tmp_path):
        write_lessons(committee, tmp_path, config=config)
        table = read_peer_notes(tmp_path, config)
        assert table.loc[0, "cas_usage"] == "Optimiser les tournées de collecte des déchets"
        assert table.loc[0, "strate"] == "35 000 à 49 999 habitants"


class TestConfiguration:
    def test_publication_key_known(self, tmp_path):
        path = tmp_path / "collectivite.yaml"
        path.write_text("nom: Essai\nfichiers: []\npublication:\n  seuil_secret: 5\n"
                        "  anonyme: true\n  contact: service de la donnée\n", encoding="utf-8")
        assert load_config(path)["publication"]["seuil_secret"] == 5
        path.write_text("nom: Essai\nfichiers: []\npublication:\n  seuil_secret: zéro\n",
                        encoding="utf-8")
        with pytest.raises(KitError, match="seuil_secret"):
            load_config(path)

    def test_hostile_configuration_escaped_and_masked(self, committee, config, tmp_path):
        hostile = {**config, "equipe_donnees": {"dpo": "<img src=x onerror=alert(1)>"},
                   "publication": {"contact": "jean.dupont@exemple.fr ou 06 12 34 56 78"}}
        path = write_public_page(committee, tmp_path, hostile)
        assert path == tmp_path / "public" / "index.html"
        text = path.read_text(encoding="utf-8")
        assert "<img" not in text and "&lt;img src=x" in text
        assert "jean.dupont" not in text and "06 12 34 56 78" not in text
        assert "[masqué]" in text


def test_publish_all_from_configuration(config, tmp_path):
    written = publish_all(config, tmp_path)
    names = {p.relative_to(tmp_path).as_posix() for p in written}
    assert {"public/index.html", "donnees_ouvertes/datapackage.json",
            "donnees_ouvertes/catalogue.csv", "retour_experience.md",
            "retour_experience.html"} <= names
    assert all(p.exists() for p in written)
    assert not list(tmp_path.rglob("comite_*.json"))  # relevé de travail : pas publié
    assert frictionless.validate(str(tmp_path / "donnees_ouvertes" / "datapackage.json")).valid


def test_peer_note_with_yaml_aliases_refused(tmp_path):
    bomb = ("---\nnote: retour_experience_kit_territoires\na: &a [x, x, x]\nb: [*a, *a, *a]\n"
            "---\n")
    (tmp_path / "pair.md").write_text(bomb, encoding="utf-8")
    with pytest.raises(DataError, match="alias"):
        read_peer_notes(tmp_path, {"strate": "x"})
