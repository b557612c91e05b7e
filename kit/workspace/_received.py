"""Un fichier reçu d'un service pendant une collecte : quel modèle, quelle version, quels
problèmes.

Le modèle est reconnu d'abord par les propriétés du classeur (`kit.templates.read_template_version`),
sinon par sa ligne d'en-tête comparée aux champs de chaque modèle (`kit.schemas.match_columns`) :
c'est le cas d'un CSV, ou d'un classeur recopié dans un nouveau fichier.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import python_calamine as pc
from tqdm import tqdm

from kit.errors import KitError
from kit.io import load_table
from kit.schemas import load_schema, match_columns
from kit.templates import (
    QUESTIONNAIRE_SHEET,
    TEMPLATES,
    read_identification,
    read_template_version,
)
from kit.validation import validate
from kit.workspace._collect import _version_problem as version_problem
from kit.workspace._collect import problem, problems_frame
from kit.workspace._feedback import FEEDBACK_SHEET

__all__ = ["Received", "check_received", "read_received", "recognise", "validate_received"]

#: Schéma du kit → nom du modèle (clé de `kit.templates.TEMPLATES`).
_BY_SCHEMA = {schema: stem for stem, schema in TEMPLATES.items()}
#: Feuilles des modèles qui ne sont pas des tableaux de données.
_OTHER_SHEETS = (FEEDBACK_SHEET, "Mode d'emploi", "Listes", "Identification")


@dataclass(eq=False)
class Received:
    """Un fichier reçu : modèle reconnu (ou motif du refus), version, feuille lue, problèmes."""

    path: Path
    modified: dt.datetime
    template: str | None = None
    version: str | None = None
    sheet: str | None = None
    reason: str = ""
    problems: pd.DataFrame = field(default_factory=lambda: problems_frame([]))

    @property
    def errors(self) -> int:
        return int((self.problems["niveau"] == "erreur").sum())

    @property
    def warnings(self) -> int:
        return int((self.problems["niveau"] == "avertissement").sum())


def _sheet_names(path: Path) -> list[str | None]:
    if path.suffix.lower() in (".csv", ".txt"):
        return [None]
    try:
        names = pc.CalamineWorkbook.from_path(str(path)).sheet_names
    except (pc.CalamineError, OSError, ValueError):
        return [None]
    return [n for n in names if n not in _OTHER_SHEETS] or [None]


def _data_sheet(path: Path, template: str) -> str | None:
    if template == "questionnaire_maturite":
        return QUESTIONNAIRE_SHEET
    names = _sheet_names(path)
    return names[0]


def _by_header(path: Path) -> tuple[str | None, str | None]:
    """Modèle dont les champs correspondent le mieux à l'en-tête d'une feuille du fichier.

    Retenu si tous ses champs obligatoires sont reconnus, ou au moins la moitié de ses
    champs (et toujours au moins deux) ; à égalité, le plus complet.
    """
    best: tuple[float, int, str, str | None] | None = None
    for sheet in _sheet_names(path):
        try:
            names = [str(c) for c in load_table(path, sheet=sheet).columns]
        except KitError:
            continue
        for stem, schema in TEMPLATES.items():
            fields = load_schema(schema)["fields"]
            found = match_columns(names, fields)
            n = sum(v is not None for v in found.values())
            required = [f["name"] for f in fields if (f.get("constraints") or {}).get("required")]
            if n < 2 or not (all(found[r] for r in required) or n * 2 >= len(fields)):
                continue
            score = (n / len(fields), n, stem, sheet)
            if best is None or score[:2] > best[:2]:
                best = score
    return (best[2], best[3]) if best else (None, None)


def recognise(path: str | Path) -> tuple[str | None, str | None, str | None, str]:
    """Modèle, version, feuille de données d'un fichier reçu, ou motif s'il n'est pas reconnu.

    Returns
    -------
    tuple
        ``(modele, version, feuille, motif)`` : ``modele`` est une clé de
        `kit.templates.TEMPLATES` (None si non reconnu), ``version`` None quand le fichier a
        été reconnu par ses colonnes, ``motif`` explique en français un refus.
    """
    path = Path(path)
    try:
        info = read_template_version(path)
    except KitError as exc:
        return None, None, None, f"fichier illisible : {_first_line(str(exc))}"
    if info and info.get("modele") in _BY_SCHEMA:
        stem = _BY_SCHEMA[info["modele"]]
        return stem, info.get("version"), _data_sheet(path, stem), ""
    stem, sheet = _by_header(path)
    if stem is not None:
        return stem, None, sheet, ""
    other = f" (modèle « {info['modele']} », inconnu de la collecte)" if info else ""
    return None, None, None, (
        f"aucun modèle du kit reconnu{other} : ni ses propriétés ni ses en-têtes ne "
        "correspondent à " + ", ".join(TEMPLATES) + ". Vérifiez que le service a rempli "
        "le modèle envoyé.")


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def _identification(path: Path) -> list[dict[str, Any]]:
    try:
        ident = read_identification(path)
    except KitError as exc:
        return [problem(path, str(exc), code="identification", feuille="Identification",
                        niveau="avertissement")]
    if not ident.get("service"):
        return [problem(path, (
            "Le service n'est pas indiqué dans la feuille « Identification » : indiquez le "
            "nom du service (ou « Groupe de travail »)."), code="identification",
            niveau="avertissement", feuille="Identification")]
    return []


def _emptiness(path: Path, template: str, table: pd.DataFrame,
               sheet: str | None) -> list[dict[str, Any]]:
    """Un document renvoyé vide est à compléter (erreur « document-vide »)."""
    if table.empty:
        return [problem(path, (
            f"Aucune ligne n'est remplie dans la feuille « {sheet or 'de données'} » : "
            "complétez le document (une ligne par élément, sous l'en-tête) puis renvoyez-le."),
            code="document-vide", feuille=sheet)]
    if template == "questionnaire_maturite" and "reponse" in table.columns and \
            table["reponse"].isna().all():
        return [problem(path, (
            "Aucune réponse n'est donnée dans la colonne « Réponse (1 à 5) » : choisissez un "
            "niveau pour chaque question (laissez vide seulement si vous ne savez pas), puis "
            "renvoyez le questionnaire."), code="document-vide", feuille=sheet)]
    return []


def check_received(path: str | Path) -> Received:
    """Reconnaît le modèle et la version d'un fichier reçu (sans le valider)."""
    path = Path(path)
    modified = dt.datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)
    return Received(path, modified, *recognise(path))


def validate_received(received: Received) -> Received:
    """Valide un fichier reconnu contre le schéma de son modèle (problèmes dans `problems`).

    Un questionnaire de maturité est lu comme le diagnostic le lit : la feuille
    « Questionnaire » validée contre le schéma ``questionnaire_maturite`` et la feuille
    « Identification » lue par `kit.templates.read_identification`.
    """
    path, template, sheet = received.path, received.template, received.sheet
    if template is None:
        return received
    schema = load_schema(TEMPLATES[template])
    try:  # comme load_many, sans le tableau typé dont la collecte n'a pas besoin
        table = load_table(path, sheet=sheet, schema=schema)
    except KitError as exc:
        found: list[Any] = [problem(path, str(exc), code="fichier-illisible", feuille=sheet)]
    else:
        received.sheet = table.attrs.get("source", {}).get("sheet") or sheet
        found = [validate(table, schema).problems.assign(fichier=path.name),
                 *version_problem(path, schema),
                 *_emptiness(path, template, table, received.sheet)]
    if template == "questionnaire_maturite":
        found += _identification(path)
    received.problems = problems_frame(found)
    return received


def _latest(files: list[Received]) -> list[Received]:
    """Le fichier le plus récent de chaque modèle reconnu (date de modification, puis nom)."""
    latest: dict[str, Received] = {}
    for r in files:
        if r.template and (r.template not in latest or (r.modified, r.path.name) > (
                latest[r.template].modified, latest[r.template].path.name)):
            latest[r.template] = r
    return list(latest.values())


def read_received(paths: dict[str, list[Path]], progress: bool = False
                  ) -> tuple[dict[str, list[Received]], list[Received]]:
    """Reconnaît chaque fichier reçu et valide le plus récent de chaque modèle, par service.

    Parameters
    ----------
    paths
        Dossier du service → fichiers reçus.
    progress
        Barre de progression tqdm (sortie d'erreur), un pas par fichier.

    Returns
    -------
    tuple
        Fichiers reçus par dossier de service, et ceux qui ont été validés.
    """
    received: dict[str, list[Received]] = {}
    chosen: list[Received] = []
    with tqdm(total=sum(map(len, paths.values())), desc="Collecte", unit="fichier",
              disable=not progress, file=sys.stderr) as bar:
        for slug, files in paths.items():
            bar.set_postfix_str(slug)
            received[slug] = [check_received(p) for p in files]
            latest = _latest(received[slug])
            for r in received[slug]:
                if r in latest:
                    validate_received(r)
                bar.update(1)
            chosen += latest
    return received, chosen
