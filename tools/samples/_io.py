"""Écriture des fichiers d'exemple : feuilles, CSV, xlsx déterministes, registre des pièges.

Les constructeurs de `tools.samples` (`_techniques`, `_admin`…) décrivent chaque fichier comme des lignes de valeurs ;
ce module les écrit (xlsx, ods, csv) et note, au fil de la construction, les pièges posés avec leur
référence de cellule exacte (lettre de colonne + numéro de ligne 1-based, comme Excel l'affiche).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from kit.io import save_workbook
from tools.samples._ods import OdsSheet, write_ods


class Fmt(NamedTuple):
    """Valeur de cellule xlsx accompagnée d'un format de nombre (« 0.0% », « DD/MM/YYYY »...)."""

    value: Any
    fmt: str


class Raw(str):
    """Ligne de CSV écrite telle quelle (ligne volontairement mal formée)."""


@dataclass
class Sheet:
    """Une feuille d'exemple : lignes (``None`` = cellule vide), fusions, largeurs de colonnes."""

    name: str
    rows: list[list[Any]] = field(default_factory=list)
    merges: list[str] = field(default_factory=list)
    widths: dict[str, float] = field(default_factory=dict)
    bold_rows: list[int] = field(default_factory=list)  # numéros de ligne 1-based

    @property
    def next_row(self) -> int:
        """Numéro (1-based) de la prochaine ligne ajoutée."""
        return len(self.rows) + 1

    def add(self, *cells: Any) -> int:
        """Ajoute une ligne et renvoie son numéro 1-based."""
        self.rows.append(list(cells))
        return len(self.rows)


def col(index: int) -> str:
    """Lettre de colonne d'un indice 0-based : 0 → « A », 27 → « AB »."""
    return get_column_letter(index + 1)


def ref(index: int, row: int) -> str:
    """Référence de cellule : ``ref(3, 17)`` → « D17 » (colonne 0-based, ligne 1-based)."""
    return f"{col(index)}{row}"


# --------------------------------------------------------------------------- registre
@dataclass
class Registry:
    """Pièges posés et attentes de chargement, recopiés dans ``pieges.json``."""

    personal: list[str] = field(default_factory=list)
    hostile: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    catalog: list[dict[str, Any]] = field(default_factory=list)

    def personal_value(self, value: str) -> str:
        """Enregistre une donnée personnelle fictive et la renvoie."""
        if value not in self.personal:
            self.personal.append(value)
        return value

    def error(self, fichier: str, feuille: str | None, cellule: str | None, colonne: str,
              champ: str, code: str, description: str, valeur: Any = None) -> None:
        """Enregistre une erreur que le validateur doit signaler."""
        self.errors.append({"fichier": fichier, "feuille": feuille, "cellule": cellule,
                            "ligne": int(cellule.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
                            if cellule else None,
                            "colonne": colonne, "champ": champ, "code": code,
                            "valeur": valeur, "description": description})

    def hostile_cell(self, fichier: str, feuille: str | None, cellule: str, valeur: str) -> str:
        """Enregistre une cellule hostile (script, formule) et renvoie sa valeur."""
        self.hostile.append({"fichier": fichier, "feuille": feuille, "cellule": cellule,
                             "valeur": valeur})
        return valeur

    def describe(self, fichier: str, service: str, schema: str, feuille: str | None = None,
                 autre_feuille: bool = False, **notes: Any) -> dict[str, Any]:
        """Déclare un fichier (catalogue de collectivite.yaml) et renvoie ses notes modifiables.

        ``autre_feuille`` : la feuille n'est pas la première du classeur (le catalogue la nomme).
        """
        entry = {"fichier": fichier, "service": service, "schema": schema}
        if autre_feuille:
            entry["feuille"] = feuille
        self.catalog.append(entry)
        key = f"{fichier}#{feuille}" if autre_feuille else fichier
        self.files[key] = {"fichier": fichier, "feuille": feuille, "schema": schema, **notes}
        return self.files[key]


# --------------------------------------------------------------------------- écrivains
def write_xlsx(path: Path, sheets: list[Sheet]) -> Path:
    """Écrit des feuilles dans un classeur xlsx (fusions, formats de nombre, largeurs)."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name)
        for r, row in enumerate(sheet.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                fmt = None
                if isinstance(value, Fmt):
                    value, fmt = value
                cell = ws.cell(row=r, column=c, value=value)
                if fmt:
                    cell.number_format = fmt
                elif isinstance(value, dt.date):
                    cell.number_format = "DD/MM/YYYY"
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # texte, jamais une formule
                if r in sheet.bold_rows:
                    cell.font = Font(bold=True)
                    cell.alignment = Alignment(horizontal="center", wrap_text=True)
        for rng in sheet.merges:
            ws.merge_cells(rng)
        for letter, width in sheet.widths.items():
            ws.column_dimensions[letter].width = width
    return save_workbook(wb, path)


def write_ods_sheets(path: Path, sheets: list[Sheet]) -> Path:
    """Écrit des feuilles dans un classeur ODS (les formats xlsx sont ignorés)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    plain = [OdsSheet(s.name, [[v.value if isinstance(v, Fmt) else v for v in row]
                               for row in s.rows], list(s.merges)) for s in sheets]
    return write_ods(path, plain)


def write_csv(path: Path, rows: list[Any], encoding: str, delimiter: str,
              newline: str = "\r\n") -> Path:
    """Écrit des lignes CSV ; une ligne `Raw` est écrite telle quelle, les autres sont citées."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline,
                        quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        if isinstance(row, Raw):
            buf.write(str(row) + newline)
        else:
            writer.writerow(["" if v is None else v for v in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


# --------------------------------------------------------------------------- formats français
def fr_number(value: float, decimals: int = 1, thousands: str = " ") -> str:
    """1234.5 → « 1 234,5 » (séparateur de milliers : espace)."""
    text = f"{value:,.{decimals}f}".replace(",", "\x00").replace(".", ",")
    return text.replace("\x00", thousands)


def fr_money(value: float) -> str:
    """1234.5 → « 1 234,50 € »."""
    return fr_number(value, 2) + " €"


def fr_date(value: dt.date, short_year: bool = False) -> str:
    """Date → « 31/01/2024 » (ou « 31/01/24 »)."""
    return value.strftime("%d/%m/%y" if short_year else "%d/%m/%Y")


MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre"]


def month_starts(first_year: int = 2023, last_year: int = 2025) -> list[dt.date]:
    """Premiers jours des mois de ``first_year``-01 à ``last_year``-12."""
    return [dt.date(y, m, 1) for y in range(first_year, last_year + 1) for m in range(1, 13)]
