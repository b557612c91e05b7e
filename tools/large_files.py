"""Grands tableaux réguliers mais « sales » pour les bancs d'essai et les tests du chargeur.

``generate_large(dossier, lignes, "xlsx" | "csv")`` écrit un tableau de 15 colonnes (titre,
en-tête, codes commune à zéro initial, dates, montants à la française, quelques « nd »).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from kit.io import save_workbook

__all__ = ["LARGE_HEADER", "generate_large"]

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
