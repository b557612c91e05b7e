"""Données d'exemple de la « Ville de Clairval », collectivité fictive, et grands tableaux de test.

Toutes les valeurs sont fictives. Le générateur est déterministe (graines fixes, dates fixes) :
relancer ``python -m kit.samples`` réécrit ``data/samples/`` à l'identique.

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
import csv
import datetime as dt
import io
import json
import logging
import random
from pathlib import Path

import yaml
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from kit._samples_admin import (
    build_ccas, build_competences, build_mediatheques, build_permis, build_subventions,
)
from kit._samples_benchmark import write_benchmark_samples
from kit._samples_diagnostic import DIAGNOSTIC_DATE, build_diagnostic
from kit._samples_comite import build_committee_history
from kit._samples_io import Registry, save_workbook
from kit._samples_priorisation import PRIORISATION_WEIGHTS, build_priorisation
from kit._samples_kpi import (
    CATALOGUE_TRAPS, KPI_VARIABLES, build_catalogue, build_eclairage_conso, build_interventions,
)
from kit._samples_techniques import (
    CODE_INSEE, build_dechets, build_eau, build_eclairage, build_energie, build_parkings,
)

__all__ = ["generate_samples", "generate_large", "main", "PROJECT_ROOT", "SAMPLES_DIR"]

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = PROJECT_ROOT / "data" / "samples"

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


def _pieges(reg: Registry, diagnostic: dict, priorisation: dict) -> dict:
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
    }


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
    paths.append(build_catalogue(dest))
    paths += write_benchmark_samples(dest)
    yaml_path = dest / "collectivite.yaml"
    yaml_path.write_text(
        "# Collectivité fictive d'exemple, générée par `python -m kit.samples`.\n"
        + yaml.dump(_collectivite(reg), Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                    width=99),
        encoding="utf-8")
    traps_path = dest / "pieges.json"
    traps = _pieges(reg, diagnostic_traps, priorisation_traps)
    traps_path.write_text(json.dumps(traps, ensure_ascii=False, indent=1) + "\n",
                          encoding="utf-8")
    logger.info("%d fichiers d'exemple écrits dans %s", len(paths) + 2, dest)
    return [*paths, yaml_path, traps_path]


# --------------------------------------------------------------------------- grand tableau
LARGE_HEADER = ["Code commune", "Commune", "Date d'opération", "Exercice", "Compte", "Libellé",
                "Service", "Montant HT (€)", "TVA (€)", "Montant TTC (€)", "Quantité",
                "Prix unitaire (€)", "Taux de réalisation", "Référence", "Statut"]
_COMMUNES = [("07999", "Clairval"), ("07998", "Aurore-sur-Val"), ("07997", "Bellefontaine-"
             "d'Aurore"), ("07996", "Saint-Firmin-du-Val"), ("07995", "Les Essarts-Clairs")]
_COMPTES = [("6063", "Fournitures d'entretien"), ("6068", "Autres fournitures"),
            ("611", "Contrats de prestations"), ("6156", "Maintenance"),
            ("6232", "Fêtes et cérémonies"), ("2183", "Matériel informatique")]
_SERVICES = ["Technique", "Culture", "Éducation", "Sports", "Administration", "Social"]
_STATUTS = ["Mandaté", "Payé", "En attente", "Rejeté"]


def _large_rows(rows: int, seed: int = 7):
    """Produit les lignes de données du grand tableau (valeurs Python brutes)."""
    rng = random.Random(seed)
    start = dt.date(2023, 1, 1)
    for i in range(rows):
        code, commune = _COMMUNES[i % len(_COMMUNES)]
        compte, libelle = _COMPTES[rng.randrange(len(_COMPTES))]
        qty = rng.randint(1, 200)
        unit = round(rng.uniform(1, 900), 2)
        ht = round(qty * unit, 2)
        tva = round(ht * 0.2, 2)
        day = start + dt.timedelta(days=rng.randrange(1095))
        rate: float | str = round(rng.random(), 3)
        if i % 97 == 13:
            rate = "nd"
        yield [code, commune, day, day.year, compte, libelle, _SERVICES[i % 6], ht,
               "nd" if i % 211 == 5 else tva, round(ht + tva, 2), qty, unit, rate,
               f"MDT-{day.year}-{i + 1:06d}", _STATUTS[rng.randrange(4)]]


_TITLE = ["Ville de Clairval — Extraction des mandats (données fictives)",
          "Logiciel financier — export du 15/01/2026", ""]


def _fr(value: float) -> str:
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


def generate_large(dest: Path, rows: int, fmt: str) -> Path:
    """Écrit un grand tableau régulier mais « sale » pour les mesures de performance.

    Trois lignes de titre, un en-tête, ``rows`` lignes et 15 colonnes : code commune en texte
    avec zéro initial, dates, montants (virgule décimale dans le CSV, nombres dans le xlsx),
    quelques « nd ».

    Parameters
    ----------
    dest
        Dossier de destination.
    rows
        Nombre de lignes de données.
    fmt
        ``"xlsx"`` (openpyxl en écriture seule) ou ``"csv"`` (cp1252, « ; »).

    Returns
    -------
    Path
        Le fichier écrit, ``grand_tableau_<rows>.<fmt>``.

    Raises
    ------
    ValueError
        Si ``fmt`` n'est ni « xlsx » ni « csv » ou si ``rows`` est négatif.
    """
    if fmt not in ("xlsx", "csv"):
        raise ValueError(f"Format {fmt!r} non pris en charge : choisissez « xlsx » ou « csv ».")
    if rows < 0:
        raise ValueError(f"Le nombre de lignes doit être positif, reçu {rows!r}.")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / f"grand_tableau_{rows}.{fmt}"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
        for line in _TITLE:
            writer.writerow([line] if line else [])
        writer.writerow(LARGE_HEADER)
        for row in _large_rows(rows):
            row[2] = row[2].strftime("%d/%m/%Y")
            for j in (7, 8, 9, 11):
                if not isinstance(row[j], str):
                    row[j] = _fr(row[j])
            if not isinstance(row[12], str):
                row[12] = f"{row[12]:.3f}".replace(".", ",")
            writer.writerow(row)
        path.write_bytes(buf.getvalue().encode("cp1252"))
        return path
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Mandats")
    for line in _TITLE:
        ws.append([line] if line else [])
    ws.append(LARGE_HEADER)
    for row in _large_rows(rows):
        cell = WriteOnlyCell(ws, value=row[2])
        cell.number_format = "DD/MM/YYYY"
        row[2] = cell
        ws.append(row)
    return save_workbook(wb, path, deterministic=False)


def main(argv: list[str] | None = None) -> int:
    """Point d'entrée : ``python -m kit.samples [DEST]``."""
    parser = argparse.ArgumentParser(
        prog="python -m kit.samples",
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


if __name__ == "__main__":
    raise SystemExit(main())
