"""Modèles Excel du diagnostic, générés à partir des schémas Table Schema du kit.

Les modèles sont livrés dans ``templates/`` (jamais modifiés à la main, régénérés par
``python -m kit.templates``) : l'inventaire des données, le registre des traitements (RGPD), le
questionnaire de maturité et la cartographie des compétences. Chaque modèle a une feuille de
données en premier (lue par ``kit.load_table`` sans préciser de feuille), des listes déroulantes
pour chaque champ à valeurs imposées, des contrôles de saisie (entiers bornés, dates), un
en-tête figé et une feuille « Mode d'emploi ».

Où est stockée la version d'un modèle : dans les propriétés personnalisées du classeur
(``kit_modele`` = nom du schéma, ``kit_version`` = version du schéma, et pour le questionnaire
``kit_version_contenu`` = version des questions) et, en clair, à la ligne 2 de la feuille
« Mode d'emploi » (« Modèle inventaire_donnees, version 1.0.0 »). `read_template_version` lit
l'une puis l'autre.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import sys
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from defusedxml import ElementTree
from openpyxl import Workbook

from kit import _paths
from kit._cli import FrenchParser
from kit.errors import KitError, SheetNotFoundError
from kit.io import check_zip, detect_format, read_cells
from kit.schemas import SCHEMAS_DIR, load_schema
from kit.templates import _sheet as ts
from kit.templates._maturity_content import AXES as MATURITY_AXES
from kit.templates._maturity_content import QUESTIONS as MATURITY_QUESTIONS
from kit.templates._maturity_content import QUESTIONS_V1 as MATURITY_QUESTIONS_V1
from kit.templates._maturity_content import SCALE as MATURITY_SCALE
from kit.templates._questionnaire import (
    IDENTIFICATION_FIELDS,
    IDENTIFICATION_SHEET,
    PROFILES,
    QUESTIONNAIRE_SHEET,
    read_identification,
    write_questionnaire,
)
from kit.templates._workbook import WORKBOOKS, write_workbook_template

__all__ = ["MATURITY_AXES", "MATURITY_QUESTIONS", "MATURITY_QUESTIONS_V1", "MATURITY_SCALE",
           "PROFILES", "IDENTIFICATION_FIELDS", "IDENTIFICATION_SHEET", "QUESTIONNAIRE_SHEET",
           "TEMPLATES", "WORKBOOKS",
           "build_templates", "main", "read_identification", "read_template_version",
           "write_questionnaire", "write_template", "write_workbook_template"]

logger = logging.getLogger(__name__)

#: Dossier des modèles livrés avec le projet.
TEMPLATES_DIR = _paths.TEMPLATES_DIR
#: Modèles livrés : nom du fichier (sans extension) → nom du schéma du kit.
TEMPLATES: dict[str, str] = {
    "inventaire_donnees": "inventaire_donnees",
    "registre_traitements": "registre_traitements",
    "questionnaire_maturite": "questionnaire_maturite",
    "cartographie_competences": "competences_agents",
    "catalogue_indicateurs": "catalogue_indicateurs",
    "cas_usage": "cas_usage",
    "groupe_travail": "groupe_travail",
    # plusieurs feuilles (voir WORKBOOKS) : le schéma de la première porte le nom du modèle
    "feuille_de_route": "feuille_de_route",
}


def write_template(schema: dict[str, Any] | str | Path, path: str | Path,
                   rows: Sequence[Mapping[str, Any]] | pd.DataFrame | None = None, *,
                   sheet_name: str = "Données", title: str | None = None,
                   choices: Mapping[str, Sequence[str]] | None = None) -> Path:
    """Écrit un modèle Excel à partir d'un schéma Table Schema, éventuellement pré-rempli.

    La feuille de données est la première du classeur (en-tête = titres des champs, en gras,
    figé, avec une note par colonne) ; suivent « Mode d'emploi » (à quoi sert le fichier,
    comment le remplir, une ligne par colonne, nom et version du modèle à la ligne 2) et, si
    besoin, la feuille cachée « Listes ». Listes déroulantes pour chaque champ à valeurs
    imposées (« enum ») et chaque oui/non, contrôles d'entiers et de nombres bornés et de
    dates, avec messages en français, sur 1 000 lignes sous les données.

    Parameters
    ----------
    schema
        Schéma : dictionnaire, chemin d'un fichier JSON ou nom d'un schéma du kit.
    path
        Fichier .xlsx à écrire (dossiers créés au besoin).
    rows
        Lignes à écrire (dictionnaires dont les clés sont les noms des champs, ou DataFrame).
        Écrites telles quelles, sans aucun contrôle : dates en vraies dates (jj/mm/aaaa),
        booléens en « oui » / « non », entiers en entiers, valeurs fausses comprises.
    sheet_name
        Nom de la feuille de données.
    title
        Titre du « Mode d'emploi » et du classeur ; par défaut le titre du schéma.
    choices
        Listes déroulantes propres à la collectivité : champ → valeurs proposées (par exemple
        ses services pour ``service_producteur``). Le schéma du kit n'est pas modifié : la
        liste guide la saisie, la validation reste celle du modèle.

    Returns
    -------
    Path
        Chemin du fichier écrit (mêmes octets à chaque exécution).

    Raises
    ------
    SchemaError
        Schéma introuvable ou mal formé.
    DataError
        Une ligne contient une colonne qui n'est pas un champ du schéma.

    Examples
    --------
    >>> import tempfile, kit
    >>> dossier = Path(tempfile.mkdtemp())
    >>> chemin = write_template("inventaire_donnees", dossier / "inventaire.xlsx")
    >>> kit.load_table(chemin, schema="inventaire_donnees").shape
    (0, 21)
    """
    spec = load_schema(schema)
    fields = spec["fields"]
    if choices:
        unknown = sorted(set(choices) - {f["name"] for f in fields})
        if unknown:
            raise KitError(f"Listes déroulantes pour des champs absents du modèle "
                           f"« {spec.get('name')} » : {', '.join(unknown)}.")
        fields = [{**f, "constraints": {**f.get("constraints", {}),
                                        "enum": [str(v) for v in choices[f["name"]]]}}
                  if f["name"] in choices else f for f in fields]
    records = ts.rows_list(rows, fields)
    name = str(spec.get("name") or Path(path).stem)
    version = str(spec.get("version") or "0")
    title = title or str(spec.get("title") or name)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_name
    ts.write_header(ws, fields)
    ts.write_rows(ws, fields, records)
    lists = ts.Lists(wb)
    ts.add_validations(ws, fields, 2, 1 + len(records) + ts.VALIDATED_ROWS, lists)
    guide = wb.create_sheet(ts.GUIDE_SHEET, 1)
    ts.write_guide(guide, spec, title, _generic_sections(spec, sheet_name),
                   ts.version_line(name, version))
    ts.set_properties(wb, name, version, title)
    return ts.save(wb, Path(path))


def _generic_sections(spec: dict[str, Any], sheet_name: str) -> list[tuple[str, list[str]]]:
    required = [ts.header_text(f) for f in spec["fields"]
                if (f.get("constraints") or {}).get("required")]
    how = [
        f"Saisissez une ligne par élément dans la feuille « {sheet_name} », à partir de la "
        "ligne 2. Ne modifiez pas la ligne d'en-tête : le kit reconnaît les colonnes par leur "
        "intitulé. Laissez la feuille « " + sheet_name + " » en première position du classeur.",
        "Les colonnes à liste déroulante n'acceptent que les valeurs proposées (orthographe et "
        "accents compris). Une note sur chaque en-tête rappelle ce qu'il faut saisir.",
        "Dates au format jj/mm/aaaa ; nombres sans unité ni espace ; oui / non en toutes "
        "lettres. Laissez une cellule vide plutôt que d'écrire « ? » ou « nc ».",
    ]
    if required:
        how.append("Colonnes obligatoires, à remplir sur chaque ligne : "
                   + ", ".join(f"« {t} »" for t in required) + ".")
    how.append("Une fois rempli, le fichier est vérifié par le kit, qui signale chaque cellule "
               "à corriger (par exemple « D17 ») : « python -m kit valider FICHIER --schema "
               f"{spec.get('name', 'SCHEMA')} ».")
    purpose = [str(spec.get("description") or spec.get("title") or "")]
    return [("À quoi sert ce fichier", purpose), ("Comment le remplir", how)]


# --------------------------------------------------------------------------- questionnaire

_VERSION_RE = re.compile(r"Modèle\s+(\S+),\s+version\s+([\w.\-]+)")


def read_template_version(path: str | Path) -> dict[str, str] | None:
    """Nom et version du modèle dont un fichier est issu, ou None s'il n'en vient pas.

    Lit les propriétés personnalisées (``kit_modele``, ``kit_version``,
    ``kit_version_contenu``) d'un .xlsx ou d'un .ods, sinon la ligne 2 de la feuille
    « Mode d'emploi ». Sert au diagnostic à repérer les fichiers remplis sur un ancien modèle.

    Returns
    -------
    dict or None
        ``{"modele": ..., "version": ...}`` (plus ``"version_contenu"`` pour le questionnaire).

    Examples
    --------
    >>> import tempfile
    >>> chemin = write_template("registre_traitements", Path(tempfile.mkdtemp()) / "r.xlsx")
    >>> read_template_version(chemin)
    {'modele': 'registre_traitements', 'version': '1.0.0'}
    """
    path = Path(path)
    data = path.read_bytes()
    fmt = detect_format(data, path)
    if fmt in ("xlsx", "xlsm", "ods"):
        check_zip(data, path)
        props = _custom_properties(data, fmt)
        if ts.PROP_TEMPLATE in props and ts.PROP_VERSION in props:
            out = {"modele": props[ts.PROP_TEMPLATE], "version": props[ts.PROP_VERSION]}
            if ts.PROP_CONTENT in props:
                out["version_contenu"] = props[ts.PROP_CONTENT]
            return out
    if fmt in ("csv", "txt"):
        return None
    try:
        raw = read_cells(path, ts.GUIDE_SHEET).cells
    except SheetNotFoundError:
        return None
    if len(raw) < ts.VERSION_ROW:
        return None
    match = _VERSION_RE.search(str(raw.iloc[ts.VERSION_ROW - 1, 0]))
    return {"modele": match.group(1), "version": match.group(2)} if match else None


def _custom_properties(data: bytes, fmt: str) -> dict[str, str]:
    member = "meta.xml" if fmt == "ods" else "docProps/custom.xml"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        if member not in z.namelist():
            return {}
        root = ElementTree.fromstring(z.read(member))
    out: dict[str, str] = {}
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        attrs = {k.rsplit("}", 1)[-1]: v for k, v in el.attrib.items()}
        if tag in ("property", "user-defined") and "name" in attrs:
            out[attrs["name"]] = "".join(el.itertext()).strip()
    return out


# --------------------------------------------------------------------------- génération
def build_templates(dest: str | Path) -> list[Path]:
    """Écrit les quatre modèles et, à côté de chacun, son schéma JSON.

    Parameters
    ----------
    dest
        Dossier de destination (créé au besoin), en général ``templates/``.

    Returns
    -------
    list[Path]
        Fichiers écrits : ``<modèle>.xlsx`` puis ``<modèle>.schema.json``, pour chaque modèle.

    Examples
    --------
    >>> import tempfile
    >>> [p.name for p in build_templates(tempfile.mkdtemp())][:2]
    ['inventaire_donnees.xlsx', 'inventaire_donnees.schema.json']
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, schema in TEMPLATES.items():
        xlsx = dest / f"{stem}.xlsx"
        extra = []
        if schema == "questionnaire_maturite":
            write_questionnaire(xlsx)
        elif stem in WORKBOOKS:
            write_workbook_template(WORKBOOKS[stem], xlsx)
            extra = [s for _, s in WORKBOOKS[stem] if s != schema]
        else:
            write_template(schema, xlsx)
        copy = dest / f"{stem}.schema.json"
        shutil.copyfile(SCHEMAS_DIR / f"{schema}.json", copy)
        written += [xlsx, copy]
        for other in extra:  # schémas des autres feuilles d'un classeur à plusieurs feuilles
            written.append(Path(shutil.copyfile(SCHEMAS_DIR / f"{other}.json",
                                                dest / f"{other}.schema.json")))
        logger.info("Modèle écrit : %s", xlsx)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Point d'entrée de ``python -m kit.templates [DOSSIER]``.

    Returns
    -------
    int
        Code de sortie : 0 si tout est écrit, 2 en cas d'erreur.
    """
    parser = FrenchParser(
        prog="python -m kit.templates", add_help=False,
        description="Régénère les modèles Excel du diagnostic (inventaire des données, registre "
                    "des traitements, questionnaire de maturité, cartographie des compétences) "
                    "et copie leur schéma JSON à côté. Les modèles ne se modifient jamais à la "
                    "main : modifiez les schémas (kit/schemas) ou les questions "
                    "(kit/templates/_maturity_content.py), puis relancez cette commande.")
    parser.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte")
    parser.add_argument("dossier", nargs="?", default=str(TEMPLATES_DIR), metavar="DOSSIER",
                        help=f"dossier de destination (défaut : {TEMPLATES_DIR})")
    args = parser.parse_args(argv)
    try:
        written = build_templates(args.dossier)
    except (KitError, OSError) as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    for p in written:
        print(f"écrit : {p}")
    return 0

