"""Résolution des schémas de données (format Table Schema de schema.data.gouv.fr et Validata).

Un schéma peut être donné sous trois formes :

- un dictionnaire Python déjà chargé ;
- le chemin d'un fichier JSON (``"schemas/subventions.json"``) ;
- le nom d'un schéma fourni avec le kit (``"subventions"`` → ``kit/schemas/subventions.json``).
"""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

from kit._parse import normalize_label
from kit.errors import SchemaError

logger = logging.getLogger(__name__)

__all__ = ["SCHEMAS_DIR", "header_key", "list_schemas", "load_schema", "match_columns"]

SCHEMAS_DIR = Path(__file__).resolve().parent

_KNOWN_TYPES = {
    "string",
    "number",
    "integer",
    "date",
    "datetime",
    "boolean",
    "year",
    "yearmonth",
}


def list_schemas() -> list[str]:
    """Noms des schémas fournis avec le kit (fichiers ``kit/schemas/<nom>.json``).

    Returns
    -------
    list[str]
        Noms triés, utilisables dans `load_schema` ou `validate`.
    """
    if not SCHEMAS_DIR.is_dir():
        return []
    return sorted(p.stem for p in SCHEMAS_DIR.glob("*.json"))


def load_schema(schema: dict[str, Any] | str | Path) -> dict[str, Any]:
    """Charge et vérifie un schéma Table Schema.

    Parameters
    ----------
    schema
        Dictionnaire, chemin d'un fichier JSON, ou nom d'un schéma du kit.

    Returns
    -------
    dict
        Copie du schéma, vérifiée : une liste ``fields`` de champs ayant chacun un ``name``.

    Raises
    ------
    SchemaError
        Schéma introuvable, JSON illisible ou structure incorrecte (message en français).

    Examples
    --------
    >>> s = load_schema({"fields": [{"name": "montant", "type": "number"}]})
    >>> s["fields"][0]["name"]
    'montant'
    """
    source: str | None = None
    if isinstance(schema, dict):
        data = copy.deepcopy(schema)
    elif isinstance(schema, (str, Path)):
        path = _resolve_path(schema)
        source = str(path)
        data = _read_json(path)
    else:
        raise SchemaError(
            "Le schéma doit être un dictionnaire, un chemin de fichier JSON ou le nom d'un "
            f"schéma du kit ; reçu un objet de type {type(schema).__name__}."
        )
    _check(data, source)
    return data


def _resolve_path(schema: str | Path) -> Path:
    path = Path(schema).expanduser()
    if path.is_file():
        return path
    text = str(schema)
    looks_like_path = isinstance(schema, Path) or text.endswith(".json") or "/" in text
    if not looks_like_path:
        candidate = SCHEMAS_DIR / f"{text}.json"
        if candidate.is_file():
            return candidate
    disponibles = ", ".join(list_schemas()) or "aucun"
    if looks_like_path:
        raise SchemaError(
            f"Fichier de schéma introuvable : « {text} ». Vérifiez le chemin "
            f"(schémas du kit disponibles par leur nom : {disponibles}).",
            fichier=text,
        )
    raise SchemaError(
        f"Schéma « {text} » inconnu : ce n'est ni un fichier existant ni un schéma du kit. "
        f"Schémas disponibles : {disponibles}. Vous pouvez aussi donner le chemin d'un "
        "fichier JSON au format Table Schema."
    )


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(
            f"Impossible de lire le schéma {path} ({exc}). Vérifiez que le fichier est un "
            "texte JSON encodé en UTF-8.",
            fichier=path,
        ) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(
            f"Le schéma {path} n'est pas un JSON valide (ligne {exc.lineno}, colonne "
            f"{exc.colno} : {exc.msg}). Corrigez le fichier, par exemple avec un éditeur qui "
            "vérifie le JSON.",
            fichier=path,
        ) from exc


def _check(data: Any, source: str | None) -> None:
    where = f"Le schéma {source}" if source else "Le schéma"
    if not isinstance(data, dict):
        raise SchemaError(
            f"{where} doit être un objet JSON (entre accolades) ; reçu {type(data).__name__}.",
            fichier=source,
        )
    fields = data.get("fields")
    if not isinstance(fields, list) or not fields:
        raise SchemaError(
            f"{where} n'a pas de liste « fields » non vide : ce n'est pas un Table Schema. "
            "Chaque colonne attendue doit y être décrite par un objet avec au moins « name ».",
            fichier=source,
        )
    names: set[str] = set()
    for i, field in enumerate(fields, start=1):
        if not isinstance(field, dict) or not isinstance(field.get("name"), str):
            raise SchemaError(
                f"{where} : le champ n° {i} de « fields » n'a pas de « name » (texte). "
                "Ajoutez le nom de la colonne attendue.",
                fichier=source,
            )
        if field["name"] in names:
            raise SchemaError(
                f"{where} : le champ « {field['name']} » est décrit deux fois dans « fields ». "
                "Supprimez le doublon.",
                fichier=source,
            )
        names.add(field["name"])
        constraints = field.get("constraints", {})
        if not isinstance(constraints, dict):
            raise SchemaError(
                f"{where} : les « constraints » du champ « {field['name']} » doivent être un "
                "objet JSON.",
                fichier=source,
            )
    key = data.get("primaryKey")
    if key is not None:
        keys = [key] if isinstance(key, str) else key
        unknown = [k for k in keys if k not in names] if isinstance(keys, list) else [key]
        if unknown:
            raise SchemaError(
                f"{where} : la clé primaire (« primaryKey ») cite {unknown!r}, absent(s) de "
                "« fields ». Corrigez le nom ou ajoutez le champ.",
                fichier=source,
            )
    missing = data.get("missingValues")
    if missing is not None and not (
        isinstance(missing, list) and all(isinstance(v, str) for v in missing)
    ):
        raise SchemaError(
            f"{where} : « missingValues » doit être une liste de textes (ex. [\"\", \"NA\"]).",
            fichier=source,
        )


def header_key(label: object) -> str:
    """Clé de comparaison tolérante : casse, accents, espaces et soulignés ignorés."""
    return normalize_label(label).replace("_", "")


def match_columns(columns: list[str], fields: list[dict[str, Any]]) -> dict[str, str | None]:
    """Associe chaque champ du schéma à une colonne du tableau.

    La comparaison ignore la casse, les accents, les espaces et les soulignés ; elle essaie le
    nom du champ puis son titre (« title »). Une colonne ne sert qu'à un seul champ.

    Examples
    --------
    >>> fields = [{"name": "nomBeneficiaire"}, {"name": "montant", "title": "Montant total"}]
    >>> match_columns(["NOM_Beneficiaire", "Montant total", "x"], fields)
    {'nomBeneficiaire': 'NOM_Beneficiaire', 'montant': 'Montant total'}
    """
    mapping: dict[str, str | None] = {f["name"]: None for f in fields}
    free = [str(c) for c in columns]
    passes = [
        lambda f: [f["name"]],
        lambda f: [header_key(f["name"])],
        lambda f: [header_key(f["title"])] if f.get("title") else [],
    ]
    for i, candidates in enumerate(passes):
        for f in fields:
            if mapping[f["name"]] is not None:
                continue
            wanted = candidates(f)
            for col in free:
                if (col if i == 0 else header_key(col)) in wanted:
                    mapping[f["name"]] = col
                    free.remove(col)
                    break
    return mapping
