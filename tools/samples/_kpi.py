"""Exemples des indicateurs de Clairval : consommations et pannes de l'éclairage public, et le
catalogue des indicateurs (fiches) calculés à l'étape 3.

Toutes les valeurs sont fictives. Pièges posés : deux lignes en double dans les consommations
de l'éclairage, des interventions en attente (délai vide) ; dans le catalogue, un code en
double, un indicateur sans cible ni échéance, un sans pilote, un dont le jeu source n'est pas
dans l'inventaire, un déclaré mensuel sur des données annuelles, et un (le verre) que le
changement d'unité t → kg de 2025 empêche de calculer.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from tools.samples._io import (
    Registry,
    Sheet,
    fr_date,
    fr_number,
    month_starts,
    write_csv,
    write_xlsx,
)

__all__ = ["CATALOGUE", "KPI_VARIABLES", "build_catalogue", "build_eclairage_conso",
           "build_interventions"]

#: Variables des formules (section « indicateurs » de collectivite.yaml).
KPI_VARIABLES = {"population": 42000, "surface_batiments_m2": 15630}

_ARMOIRES = [f"AR-{i:02d}" for i in range(1, 25)]
_LED = [dt.date(y, m, 1) for y, m in ((2024, 3), (2024, 4), (2024, 6), (2024, 8), (2024, 9),
                                      (2024, 11), (2025, 1), (2025, 3), (2025, 4), (2025, 6))]
_SEASON = {1: 1.3, 2: 1.15, 3: 1.0, 4: 0.85, 5: 0.72, 6: 0.65, 7: 0.68, 8: 0.78, 9: 0.92,
           10: 1.08, 11: 1.25, 12: 1.35}


def build_eclairage_conso(dest: Path, reg: Registry) -> Path:
    """CSV UTF-8 « ; » : kWh par armoire et par mois, rénovation LED, deux lignes en double."""
    name = "eclairage/consommations_eclairage_2023_2025.csv"
    rng = random.Random(301)
    s = Sheet("csv")
    s.add("Mois", "Armoire", "Consommation (kWh)")
    notes = reg.describe(name, "Éclairage public", "consommations_eclairage", header_row=1,
                         header_rows=1, encoding="utf-8", delimiter=";", dropped=[],
                         lignes_en_double=[])
    rows = 0
    for month in month_starts():
        for i, armoire in enumerate(_ARMOIRES):
            base = 12000 * (0.7 + 0.6 * ((i * 7) % 10) / 10)
            # rénovation LED des armoires 1 à 10, par tranches, de mars 2024 à juin 2025
            renovated = i < len(_LED) and month >= _LED[i]
            kwh = round(base * _SEASON[month.month] * (0.55 if renovated else 1.0)
                        * rng.uniform(0.95, 1.05), 1)
            row = (fr_date(month), armoire, fr_number(kwh, 1, thousands=""))
            line = s.add(*row)
            rows += 1
            if (month, armoire) in ((dt.date(2024, 3, 1), "AR-05"),
                                    (dt.date(2025, 6, 1), "AR-11")):
                copy = s.add(*row)  # ligne envoyée deux fois par le titulaire
                rows += 1
                notes["lignes_en_double"].append([line, copy])
    notes["rows"] = rows
    return write_csv(dest / name, s.rows, "utf-8", ";")


def build_interventions(dest: Path, reg: Registry) -> Path:
    """Xlsx : une ligne par panne ; délais plus courts depuis le nouveau marché (2025)."""
    name = "eclairage/interventions_pannes_2023_2025.xlsx"
    sheet = "Interventions"
    rng = random.Random(302)
    s = Sheet(sheet, widths={"A": 18, "B": 20, "C": 20, "D": 10, "E": 14, "F": 14})
    s.add("N° d'intervention", "Date de signalement", "Date d'intervention", "Armoire",
          "Nature", "Délai (jours)")
    s.bold_rows = [1]
    notes = reg.describe(name, "Éclairage public", "interventions_eclairage", feuille=sheet,
                         header_row=1, header_rows=1, dropped=[], en_attente=0)
    count = 0
    last_day = dt.date(2025, 12, 31)
    for month in month_starts():
        for _ in range(rng.randint(18, 30) + (8 if month.month in (11, 12, 1) else 0)):
            count += 1
            day = month + dt.timedelta(days=rng.randrange(28))
            mean = 7.5 if month.year == 2023 else 6.0 if month.year == 2024 else 3.5
            delay = min(60, int(rng.expovariate(1 / mean)))
            fixed = day + dt.timedelta(days=delay)
            nature = rng.choice(["Lampe", "Lampe", "Lampe", "Câble", "Armoire", "Candélabre",
                                 "Autre"])
            if fixed > last_day:  # pas encore réparée à la date de l'export
                s.add(f"INT-{day.year}-{count:05d}", day, None, rng.choice(_ARMOIRES),
                      nature, None)
                notes["en_attente"] += 1
            else:
                s.add(f"INT-{day.year}-{count:05d}", day, fixed, rng.choice(_ARMOIRES),
                      nature, delay)
    notes["rows"] = count
    return write_xlsx(dest / name, [s])


_MONTHLY, _QUARTERLY, _YEARLY = "mensuelle", "trimestrielle", "annuelle"

# code, libellé, secteur, définition, formule, unité, jeu, colonne de date, fréquence, sens,
# référence (valeur, date), cible, échéance, type de cible, seuil d'alerte, pilote
CATALOGUE: list[tuple[Any, ...]] = [
    ("DEC-01", "Ordures ménagères résiduelles par habitant", "Déchets",
     "Ordures ménagères résiduelles collectées dans l'année, rapportées à la population.",
     'somme(tonnage où flux = "Ordures ménagères résiduelles") * 1000 / population', "kg/hab",
     "DEC-TONNAGES", None, _YEARLY, "baisse", 249.0, "2023-12-31", 230.0, "2026-12-31",
     "chronologique", 260.0, "Direction de la propreté"),
    ("DEC-02", "Emballages et papiers collectés par habitant", "Déchets",
     "Emballages et papiers collectés en porte à porte, par habitant et par mois.",
     'somme(tonnage où flux = "Emballages et papiers") * 1000 / population', "kg/hab",
     "DEC-TONNAGES", None, _MONTHLY, "hausse", 4.3, "2023-12-31", 4.8, "2026-12-31",
     "chronologique", 3.6, "Direction de la propreté"),
    ("DEC-03", "Verre collecté par habitant", "Déchets",
     "Verre collecté, par habitant et par mois.",
     'somme(tonnage où flux = "Verre") * 1000 / population', "kg/hab", "DEC-TONNAGES", None,
     _MONTHLY, "hausse", 2.5, "2023-12-31", 2.8, "2026-12-31", "chronologique", 2.2,
     "Direction de la propreté"),
    ("DEC-04", "Part des biodéchets dans les tonnages collectés", "Déchets",
     "Biodéchets rapportés aux tonnages de tous les flux pesés en tonnes (hors verre).",
     'somme(tonnage où flux = "Biodéchets") / somme(tonnage où flux != "Verre") * 100', "%",
     "DEC-TONNAGES", None, _QUARTERLY, "hausse", 6.0, "2024-03-31", 10.0, "2026-12-31",
     "chronologique", 5.0, "Direction de la propreté"),
    ("NRJ-01", "Consommation d'énergie des bâtiments par m²", "Énergie",
     "Électricité et gaz des bâtiments suivis, rapportés à leur surface (décret tertiaire).",
     "(somme(electricite_kwh) + somme(gaz_kwh)) / surface_batiments_m2", "kWh/m²",
     "NRJ-CONSO", None, _YEARLY, "baisse", 167.0, "2023-12-31", 100.0, "2030-12-31",
     "normative", 175.0, "Direction du patrimoine"),
    ("NRJ-02", "Coût de l'énergie des bâtiments", "Énergie",
     "Coût TTC annuel de l'électricité et du gaz des bâtiments suivis.",
     "somme(cout_ttc_eur)", "€", "NRJ-CONSO", None, _YEARLY, "baisse", 410000.0,
     "2023-12-31", 370000.0, "2026-12-31", "chronologique", 440000.0,
     "Direction du patrimoine"),
    ("NRJ-02", "Consommation de gaz des bâtiments", "Énergie",
     "Gaz consommé par les bâtiments chauffés au gaz.", "somme(gaz_kwh)", "kWh", "NRJ-CONSO",
     None, _MONTHLY, "baisse", None, None, None, None, None, None, "Direction du patrimoine"),
    ("ECL-01", "Consommation de l'éclairage public par habitant", "Éclairage public",
     "Électricité consommée par l'éclairage public dans l'année, par habitant.",
     "somme(consommation_kwh) / population", "kWh/hab", "ECL-CONSO", None, _YEARLY, "baisse",
     77.0, "2023-12-31", 55.0, "2026-12-31", "chronologique", 80.0, "Service éclairage public"),
    ("ECL-02", "Délai moyen de réparation des pannes", "Éclairage public",
     "Jours entre le signalement d'une panne et sa réparation, en moyenne sur le mois.",
     "moyenne(delai_jours)", "jours", "ECL-PANNES", "date_signalement", _MONTHLY, "baisse",
     7.3, "2023-12-31", 3.0, "2025-12-31", "normative", 9.0, "Service éclairage public"),
    ("ECL-03", "Part des pannes réparées en plus de 7 jours", "Éclairage public",
     "Pannes réparées plus de 7 jours après leur signalement, rapportées aux pannes réparées.",
     "nombre(delai_jours où delai_jours > 7) / nombre(delai_jours) * 100", "%", "ECL-PANNES",
     "date_signalement", _QUARTERLY, "baisse", 37.0, "2023-12-31", 10.0, "2025-12-31",
     "normative", 40.0, "Service éclairage public"),
    ("MOB-01", "Taux d'occupation moyen des parkings", "Mobilités",
     "Moyenne des taux d'occupation mensuels des parkings en ouvrage ; 75 % est l'équilibre "
     "visé (assez de places libres pour ne pas tourner, sans ouvrage vide).",
     "moyenne(taux_occupation_moyen) * 100", "%", "MOB-PARKINGS", None, _MONTHLY, "stabilité",
     75.0, "2023-12-31", 75.0, "2026-12-31", "normative", 12.0, "Direction des mobilités"),
    ("MOB-02", "Recettes de stationnement en ouvrage", "Mobilités",
     "Recettes mensuelles des parkings déclarées par le concessionnaire.",
     "somme(recette_eur)", "€", "MOB-PARKINGS", None, _MONTHLY, "hausse", None, None, None,
     None, None, None, "Direction des mobilités"),
    ("EAU-01", "Rendement du réseau d'eau potable", "Eau",
     "Volumes consommés autorisés rapportés aux volumes produits (rapport annuel du "
     "délégataire).",
     "somme(volume_consomme_autorise_m3) / somme(volume_produit_m3) * 100", "%",
     "EAU-RENDEMENT", "exercice", _YEARLY, "hausse", 76.2, "2019-12-31", 85.0, "2027-12-31",
     "normative", 75.0, "Direction de l'eau"),
    ("EAU-02", "Indice linéaire de pertes", "Eau",
     "Pertes du réseau en m³ par km et par jour (rapport annuel du délégataire).",
     "moyenne(indice_lineaire_pertes)", "m³/km/j", "EAU-RENDEMENT", "exercice", _MONTHLY,
     "baisse", 8.9, "2020-12-31", 6.0, "2027-12-31", "normative", 10.0, "Direction de l'eau"),
    ("EAU-03", "Conformité bactériologique de l'eau distribuée", "Eau",
     "Part des prélèvements conformes aux limites de qualité bactériologique.",
     "moyenne(conformite) * 100", "%", "EAU-QUALITE", None, _YEARLY, "hausse", 99.0,
     "2023-12-31", 100.0, "2026-12-31", "normative", 98.0, "Direction de l'eau"),
    ("CUL-01", "Prêts de documents par habitant", "Culture",
     "Documents prêtés dans l'année par les médiathèques, par habitant.",
     "somme(documents_pretes) / population", "prêts/hab", "CUL-PRETS", None, _YEARLY,
     "hausse", 2.5, "2023-12-31", 3.0, "2026-12-31", "chronologique", 2.2,
     "Direction de la culture"),
    ("CUL-02", "Entrées dans les médiathèques", "Culture",
     "Entrées mensuelles comptées aux portes des médiathèques.", "somme(entrees)", "entrées",
     "CUL-FREQ", None, _MONTHLY, "hausse", 15500.0, "2023-12-31", 17000.0, "2026-12-31",
     "chronologique", 13500.0, None),
    ("URB-01", "Délai moyen d'instruction des permis de construire", "Urbanisme",
     "Jours entre le dépôt et la décision, pour les permis décidés, selon la date de dépôt.",
     "moyenne(delai_jours)", "jours", "URB-PERMIS", "date_depot", _QUARTERLY, "baisse", 96.0,
     "2024-03-31", 60.0, "2026-12-31", "normative", 110.0, "Service urbanisme"),
]

#: Pièges posés dans le catalogue : (code du contrôle, code de l'indicateur).
CATALOGUE_TRAPS = [
    ("code-en-double", "NRJ-02"), ("sans-cible", "MOB-02"),
    ("sans-pilote", "CUL-02"), ("source-inconnue", "EAU-03"),
    ("frequence-incoherente", "EAU-02"),
]


def build_catalogue(dest: Path) -> Path:
    """Catalogue des indicateurs, écrit dans le modèle `templates/catalogue_indicateurs.xlsx`."""
    from kit.templates import write_template

    keys = ["code", "libelle", "secteur", "definition", "formule", "unite", "jeu_source",
            "colonne_date", "frequence", "sens", "valeur_reference", "date_reference", "cible",
            "echeance", "type_cible", "seuil_alerte", "responsable"]
    rows = []
    for entry in CATALOGUE:
        row = dict(zip(keys, entry))
        for key in ("date_reference", "echeance"):
            row[key] = dt.date.fromisoformat(row[key]) if row[key] else None
        row["trajectoire"] = "linéaire"
        rows.append(row)
    path = dest / "indicateurs" / "catalogue_indicateurs.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_template("catalogue_indicateurs", path, rows=rows)
