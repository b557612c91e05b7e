"""Données d'exemple de la « Ville de Clairval », collectivité fictive.

Toutes les valeurs sont fictives. Le générateur est déterministe (graines fixes, dates fixes) :
relancer ``python -m tools.samples`` réécrit ``data/samples/`` à l'identique.

Examples
--------
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     chemins = generate_samples(Path(tmp))
>>> len(chemins) >= 12
True
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import openpyxl
import yaml

from tools.samples._admin import (
    build_ccas,
    build_competences,
    build_mediatheques,
    build_permis,
    build_subventions,
)
from tools.samples._benchmark import write_benchmark_samples
from tools.samples._comite import build_committee_history
from tools.samples._diagnostic import CONTRACT_ENDS, DIAGNOSTIC_DATE, build_diagnostic
from tools.samples._io import Registry
from tools.samples._kpi import (
    CATALOGUE_TRAPS,
    KPI_VARIABLES,
    build_catalogue,
    build_eclairage_conso,
    build_interventions,
)
from tools.samples._priorisation import HOSTILE_TITLE, PRIORISATION_WEIGHTS, build_priorisation
from tools.samples._roadmap import (
    COMMITTEE_DATE,
    NEXT_COMMITTEE,
    PERSONAL_PILOT,
    ROADMAP_FILE,
    build_roadmap,
)
from tools.samples._techniques import (
    CODE_INSEE,
    build_dechets,
    build_eau,
    build_eclairage,
    build_energie,
    build_parkings,
)

__all__ = ["generate_samples", "main", "PROJECT_ROOT", "SAMPLES_DIR"]

logger = logging.getLogger(__name__)

from kit.workspace import PROJECT_ROOT, SAMPLES_DIR  # noqa: E402

_BUILDERS = [build_dechets, build_energie, build_eclairage, build_parkings, build_ccas,
             build_permis, build_subventions, build_eau, build_mediatheques, build_competences,
             build_eclairage_conso, build_interventions]

#: Jeu de l'inventaire (diagnostic) que chaque fichier contient : relie les indicateurs, qui
#: citent un identifiant de l'inventaire, aux fichiers reçus.
_DATASETS = {
    "dechets/tonnages_collecte_2023_2025.csv": "DEC-TONNAGES",
    "energie/consommations_batiments_2023_2025.xlsx": "NRJ-CONSO",
    "eclairage/points_lumineux.ods": "ECL-POINTS",
    "mobilites/frequentation_parkings_2023_2025.csv": "MOB-PARKINGS",
    "ccas/beneficiaires_aides_2025.xlsx": "CCAS-AIDES",
    "urbanisme/permis_construire_2024_2025.csv": "URB-PERMIS",
    "finances/subventions_versees_2024.csv": "FIN-SUBVENTIONS",
    "eau/rendement_reseau_2019_2025.xlsx": "EAU-RENDEMENT",
    "culture/mediatheques_2023_2025.xlsx": "CUL-PRETS",
    "culture/mediatheques_2023_2025.xlsx#Fréquentation": "CUL-FREQ",
    "rh/competences_agents.xlsx": "RH-COMPETENCES",
    "eclairage/consommations_eclairage_2023_2025.csv": "ECL-CONSO",
    "eclairage/interventions_pannes_2023_2025.xlsx": "ECL-PANNES",
}

SERVICES = [
    {"nom": "Eau et assainissement", "detenteur": "Délégataire (DSP, opérateur privé)",
     "donnees": "réseau, fuites, relevés de compteurs"},
    {"nom": "Déchets", "detenteur": "Régie de collecte et syndicat de traitement",
     "donnees": "tonnages collectés par tournée et par mois"},
    {"nom": "Énergie des bâtiments", "detenteur": "Régie ; exports du portail fournisseur",
     "donnees": "consommations mensuelles en kWh, surfaces"},
    {"nom": "Éclairage public", "detenteur": "Marché global de performance énergétique",
     "donnees": "inventaire des points lumineux, consommations"},
    {"nom": "Mobilités", "detenteur": "Exploitant sous concession",
     "donnees": "fréquentation des parkings, compteurs vélo"},
    {"nom": "Action sociale (CCAS)", "detenteur": "Logiciel métier du CCAS",
     "donnees": "bénéficiaires, rendez-vous (données personnelles)"},
    {"nom": "Urbanisme", "detenteur": "Logiciel métier d'instruction",
     "donnees": "permis de construire, délais"},
    {"nom": "Finances", "detenteur": "Logiciel financier",
     "donnees": "budget par chapitre, subventions versées"},
    {"nom": "Culture", "detenteur": "Logiciel de gestion de bibliothèque",
     "donnees": "prêts, fréquentation des médiathèques"},
    {"nom": "Ressources humaines", "detenteur": "Logiciel RH",
     "donnees": "compétences et formations (données personnelles)"},
]


class _Dumper(yaml.SafeDumper):
    """Cite les chaînes faites de chiffres (« 07999 ») : un code n'est jamais un nombre."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "'" if value.isdigit() else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def _collectivite(reg: Registry) -> dict:
    return {
        "nom": "Ville de Clairval",
        "fictif": True,
        "code_insee": CODE_INSEE,
        "remarque": "Collectivité fictive : aucune commune ne porte ce nom ni ce code.",
        "population": 42000,
        "strate": "35 000 à 49 999 habitants",
        "epci": {"nom": "Communauté d'agglomération du Val d'Aurore", "population": 110000,
                 "nombre_communes": 24, "fictif": True},
        "exercice": 2025,
        "millesime_geographique": 2025,
        "equipe_donnees": {
            "analyste": "DSI",
            "dpo": "mutualisé avec l'agglomération",
            "administratrice_generale_des_donnees": "nommée en 2025",
            "elu_referent": "adjoint au maire chargé du numérique",
        },
        "services": SERVICES,
        "fichiers": [{**entry, "jeu": _DATASETS[entry["fichier"] + (
            f"#{entry['feuille']}" if entry.get("feuille") else "")]} for entry in reg.catalog],
        "diagnostic": {
            "date": DIAGNOSTIC_DATE.isoformat(),
            "type_collectivite": "Commune",
            "inventaires": "diagnostic/inventaires",
            "registre": "diagnostic/registre_traitements.xlsx",
            "maturite": {"2024": "diagnostic/maturite_2024",
                         "2025": "diagnostic/maturite_2025"},
            "pairs": "diagnostic/maturite_pairs",
            "competences": "rh/competences_agents.xlsx",
        },
        "priorisation": {
            "cas_usage": "priorisation/cas_usage.xlsx",
            "groupe_travail": "priorisation/groupe_travail.xlsx",
            "inventaires": "diagnostic/inventaires",
            "poids": PRIORISATION_WEIGHTS,
        },
        "comite": {"historique": "comite/historique"},
        "feuille_de_route": {"fichier": ROADMAP_FILE, "date": COMMITTEE_DATE,
                             "prochain_comite": NEXT_COMMITTEE, "delai_depot_jours": 60},
        "documents": {"contrats": CONTRACT_ENDS},
        "benchmark": {
            "indicateurs": "benchmark/indicateurs_pairs.csv",
            "definitions": "benchmark/indicateurs_definitions.csv",
            "strates": "dgf",
            "par_habitant": ["encours_dette"],
        },
        "indicateurs": {
            "date": DIAGNOSTIC_DATE.isoformat(),
            "catalogue": "indicateurs/catalogue_indicateurs.xlsx",
            "inventaires": "diagnostic/inventaires",
            "variables": KPI_VARIABLES,
        },
    }


def _pieges(reg: Registry, diagnostic: dict, priorisation: dict, roadmap: dict) -> dict:
    indicators = {"catalogue": [{"controle": c, "code": k} for c, k in CATALOGUE_TRAPS],
                  "lignes_en_double": reg.files[
                      "eclairage/consommations_eclairage_2023_2025.csv"]["lignes_en_double"]}
    return {
        "avertissement": "Toutes ces valeurs sont fictives ; elles ont été posées exprès.",
        "donnees_personnelles": reg.personal,
        "cellules_hostiles": reg.hostile,
        "erreurs_attendues": reg.errors,
        "notes": {
            "references": "cellule = lettre de colonne + numéro de ligne 1-based (comme Excel) ; "
                          "pour un CSV, numéro de ligne physique et position du champ en lettres.",
            "dropped_motifs": "total, séparateur, en-tête répété, note ; lignes_vides : lignes "
                              "vides entre le tableau et les notes",
            "fichiers": reg.files,
        },
        "diagnostic": diagnostic,
        "priorisation": priorisation,
        "indicateurs": indicators,
        "feuille_de_route": roadmap,
    }


def _locate(path: Path, value: str) -> tuple[str, str]:
    """(feuille, cellule) de la première cellule du classeur qui vaut `value`."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value == value:
                        return ws.title, cell.coordinate
    finally:
        wb.close()
    raise ValueError(f"{value!r} introuvable dans {path}")


def generate_samples(dest: Path) -> list[Path]:
    """Écrit tous les fichiers d'exemple de Clairval dans ``dest``.

    Parameters
    ----------
    dest
        Dossier de destination (créé au besoin) ; les fichiers existants sont remplacés.

    Returns
    -------
    list[Path]
        Les fichiers écrits : fichiers de données, ``collectivite.yaml`` et ``pieges.json``.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    reg = Registry()
    paths = [build(dest, reg) for build in _BUILDERS]
    diagnostic_paths, diagnostic_traps = build_diagnostic(dest)
    paths += diagnostic_paths
    priorisation_paths, priorisation_traps = build_priorisation(dest)
    paths += priorisation_paths
    paths.append(build_committee_history(dest))
    roadmap_path, roadmap_traps = build_roadmap(dest)
    paths.append(roadmap_path)
    paths.append(build_catalogue(dest))
    paths += write_benchmark_samples(dest)
    yaml_path = dest / "collectivite.yaml"
    yaml_path.write_text(
        "# Collectivité fictive d'exemple, générée par `python -m tools.samples`.\n"
        + yaml.dump(_collectivite(reg), Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                    width=99),
        encoding="utf-8")
    # pièges des rapports : posés dans des champs que les rapports montrent (titre d'un cas
    # d'usage, pilote d'une action) ; `make demo` les fait passer par la porte de sortie
    for name, value in (("priorisation/cas_usage.xlsx", HOSTILE_TITLE),
                        (ROADMAP_FILE, PERSONAL_PILOT)):
        reg.hostile_cell(name, *_locate(dest / name, value), value)
    reg.personal_value(PERSONAL_PILOT)  # nom, prénom et e-mail y sont déjà (CCAS)
    traps_path = dest / "pieges.json"
    traps = _pieges(reg, diagnostic_traps, priorisation_traps, roadmap_traps)
    traps_path.write_text(json.dumps(traps, ensure_ascii=False, indent=1) + "\n",
                          encoding="utf-8")
    logger.info("%d fichiers d'exemple écrits dans %s", len(paths) + 2, dest)
    return [*paths, yaml_path, traps_path]


def main(argv: list[str] | None = None) -> int:
    """Point d'entrée : ``python -m tools.samples [DEST]``."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.samples",
        description="Régénère les données d'exemple fictives de la Ville de Clairval.")
    parser.add_argument("dest", nargs="?", type=Path, default=SAMPLES_DIR,
                        help=f"dossier de destination (défaut : {SAMPLES_DIR})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    paths = generate_samples(args.dest)
    for path in paths:
        logger.info("  %s", path.relative_to(args.dest.resolve()) if path.is_absolute()
                    and path.is_relative_to(args.dest.resolve()) else path)
    return 0

