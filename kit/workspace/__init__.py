"""Espace de travail d'une collectivité : sa configuration YAML et le chargement de ses fichiers.

La configuration (``data/samples/collectivite.yaml`` pour l'exemple) liste les fichiers des
services sous la clé ``fichiers`` ::

    fichiers:
      - fichier: dechets/tonnages_collecte.csv   # chemin relatif au fichier YAML
        service: Déchets
        schema: dechets_tonnages                  # nom d'un schéma du kit, ou chemin
        feuille: Tonnages                         # facultatif (classeurs)

`load_all` charge et valide chaque fichier et résume le résultat en une ligne par fichier,
sans aucune valeur des cellules : le résumé peut être montré et publié.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from kit._format import fmt_number
from kit._gate import markdown_text
from kit._paths import PROJECT_ROOT, SAMPLES_DIR
from kit.errors import ConfigError, KitError, ReadingDoubtWarning
from kit.io import load_table
from kit.schemas import load_schema
from kit.validation import validate
from kit.workspace._cache import RUN_CACHE_ENV, cached
from kit.workspace._collect import (
    cell_of,
    expand_sources,
    load_many,
    problem,
    problems_frame,
    require_rows,
    row_problem,
)
from kit.workspace._collection import (
    EXPECTED_DOCUMENTS,
    SUIVI_COLUMNS,
    Collection,
    run_collection,
)
from kit.workspace._config_check import check_config, path_problem
from kit.workspace._config_yaml import read_config_yaml
from kit.workspace._feedback import safe_text, write_feedback
from kit.workspace._inventory import (
    ACCESSIBLE_MODES,
    DSP_HOLDER,
    EXTERNAL_HOLDERS,
    load_inventories,
    load_register,
    split_ids,
    unknown_ids,
)

logger = logging.getLogger(__name__)

__all__ = [
    "READING_OPTIONS", "RUN_CACHE_ENV", "cached", "reading_options",
    "ACCESSIBLE_MODES", "DSP_HOLDER", "EXPECTED_DOCUMENTS", "EXTERNAL_HOLDERS", "PROJECT_ROOT",
    "SAMPLES_DIR", "SUIVI_COLUMNS", "SUMMARY_COLUMNS", "Collection", "cell_of", "reading_doubts",
    "loading_synthesis",
    "expand_sources", "load_all", "load_config", "load_inventories", "load_many",
    "load_register", "problem", "problems_frame", "require_rows", "row_problem",
    "run_collection", "safe_text", "section_paths", "split_ids", "unknown_ids",
    "write_feedback",
]


#: Colonnes du résumé de chargement (libellés lisibles, montrés tels quels dans les rapports).
SUMMARY_COLUMNS = [
    "service",
    "fichier",
    "feuille",
    "données",
    "lignes lues",
    "lignes écartées",
    "erreurs",
    "avertissements",
    "% lignes valides",
    "doutes de lecture",
    "problème",
]

_REQUIRED_ENTRY_KEYS = ("fichier", "service", "schema")
#: Clés d'une entrée de « fichiers » qui imposent un choix au lecteur, quand il a mal deviné :
#: clé de la configuration → argument de `kit.io.load_table`.
READING_OPTIONS = {"entete": "header", "lignes_ignorees": "skip_rows", "types": "types",
                   "garder_totaux": "keep_totals", "separateur": "sep", "encodage": "encoding"}


def reading_options(entry: dict[str, Any]) -> dict[str, Any]:
    """Choix imposés au lecteur par une entrée de « fichiers » (voir `READING_OPTIONS`).

    >>> reading_options({"fichier": "a.csv", "entete": 3, "types": {"code": "code"}})
    {'header': 3, 'types': {'code': 'code'}}
    """
    return {arg: entry[key] for key, arg in READING_OPTIONS.items() if entry.get(key) is not None}
# Synonymes acceptés dans le YAML (anglais) → clé du kit.
_ALIASES = {"path": "fichier", "chemin": "fichier", "sheet": "feuille"}


def load_config(path: str | Path) -> dict[str, Any]:
    """Lit et vérifie la configuration YAML d'une collectivité.

    Parameters
    ----------
    path
        Fichier YAML (UTF-8), relatif au dossier courant ou, à défaut, à la racine du projet.
        Les chemins des fichiers qu'il liste sont relatifs au dossier du YAML.

    Returns
    -------
    dict
        La configuration ; chaque entrée de ``fichiers`` reçoit une clé ``chemin`` (chemin
        absolu du fichier) et les clés ``fichier``, ``service``, ``schema``, ``feuille``.
        La clé ``_dossier`` donne le dossier du YAML.

    Raises
    ------
    ConfigError
        Fichier absent, YAML illisible, clé ``fichiers`` absente ou vide, entrée sans
        ``fichier``, ``service`` ou ``schema`` (le message nomme chaque clé manquante), clé
        en double, alias trop nombreux, valeur du mauvais type, code INSEE inconnu, chemin
        qui sort du dossier du YAML : tous les problèmes sont listés dans un seul message
        (voir `kit.workspace._config_yaml` et `kit.workspace._config_check`).

    Warns
    -----
    ConfigWarning
        Clé inconnue du kit (avec la clé connue la plus proche).
    """
    path = Path(path)
    if not path.is_absolute() and not path.is_file() and (PROJECT_ROOT / path).is_file():
        path = PROJECT_ROOT / path  # chemin donné depuis la racine du projet
    path = path.resolve()
    if not path.is_file():
        raise ConfigError(
            f"Fichier de configuration introuvable : {path}. Vérifiez le paramètre CONFIG "
            "(par exemple ../data/samples/collectivite.yaml depuis notebooks/).",
            path,
        )
    config, lines = read_config_yaml(path)  # codes en texte, clés en double, alias bornés
    if not isinstance(config, dict):
        raise ConfigError(
            f"Configuration {path.name} : un dictionnaire de clés est attendu (fichiers: ...), "
            f"reçu {'un fichier vide' if config is None else type(config).__name__}.",
            path,
        )
    config, problems = check_config(config, lines, path.parent)
    entries = config.get("fichiers")
    if entries == [] and "fichiers" in config:
        entries = []  # espace de travail en cours de collecte : aucun fichier de service encore
    elif not isinstance(entries, list) or not entries:
        problems.insert(0, "clé manquante ou vide : « fichiers » (liste des fichiers des "
                           "services, avec fichier, service et schema pour chacun ; "
                           "« fichiers: [] » tant qu'aucun fichier n'est arrivé)")
        entries = []
    checked: list[dict[str, Any]] = []
    for number, raw in enumerate(entries, start=1):
        if not isinstance(raw, dict):
            problems.append(f"entrée n° {number} : un dictionnaire est attendu, reçu {raw!r}")
            continue
        entry = {_ALIASES.get(str(k), str(k)): v for k, v in raw.items()}
        missing = [k for k in _REQUIRED_ENTRY_KEYS if not entry.get(k)]
        if missing:
            label = entry.get("fichier") or f"entrée n° {number}"
            problems.append(f"{label} : clé(s) manquante(s) : {', '.join(missing)}")
            continue
        # Une feuille nommée 2024 est un nom, pas un rang (lue en texte par read_config_yaml).
        entry["feuille"] = None if entry.get("feuille") is None else str(entry["feuille"])
        entry["chemin"] = str((path.parent / str(entry["fichier"])).resolve())
        schema_file = path.parent / str(entry["schema"])
        if str(entry["schema"]).endswith(".json") and schema_file.is_file():
            entry["schema"] = str(schema_file.resolve())  # schéma écrit à côté de la configuration
        checked.append(entry)
    if problems:
        raise ConfigError(
            f"Configuration {path.name} : {len(problems)} problème(s) :\n- "
            + "\n- ".join(problems)
            + "\nCorrigez ces clés (voir data/samples/collectivite.yaml).",
            path,
        )
    return {**config, "fichiers": checked, "_dossier": str(path.parent)}


def section_paths(config: dict[str, Any], name: str, required: dict[str, str],
                  optional: tuple[str, ...] = ()) -> tuple[dict[str, Any], dict[str, Path]]:
    """Section `name` de la configuration et chemins de ses fichiers, vérifiés.

    Parameters
    ----------
    config
        Configuration lue par `load_config` (les chemins sont relatifs à son dossier).
    name
        Nom de la section (« indicateurs », « priorisation »…).
    required
        Clés obligatoires → ce qu'elles désignent (pour le message d'erreur).
    optional
        Clés facultatives qui désignent aussi un fichier ou un dossier.

    Raises
    ------
    ConfigError
        Section ou clé obligatoire absente, fichier ou dossier introuvable, chemin qui sort
        du dossier de la configuration (sauf ``chemins_hors_dossier: true``).
    """
    section = config.get(name)
    missing = [k for k in required if not (isinstance(section, dict) and section.get(k))]
    if missing:
        keys = " et ".join(f"la clé « {k} » ({required[k]})" for k in missing)
        raise ConfigError(f"La configuration n'a pas de section « {name} » avec {keys}. Voir "
                          "data/samples/collectivite.yaml.")
    where = Path(config.get("_dossier", "."))
    paths = {k: where / str(section[k]) for k in (*required, *optional) if section.get(k)}
    for key, path in paths.items():
        outside = path_problem(str(section[key]), where,
                               allowed=config.get("chemins_hors_dossier") is True)
        if outside:
            raise ConfigError(f"Section « {name} », clé « {key} » : {outside}")
        if not path.exists():
            raise ConfigError(f"Fichier ou dossier introuvable pour « {name}.{key} » : {path}. "
                              "Corrigez le chemin (relatif au fichier de configuration).")
    return section, paths


def load_all(
    config: dict[str, Any] | str | Path,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Charge et valide tous les fichiers listés dans la configuration.

    Un fichier illisible n'arrête pas le chargement des autres : il figure dans le résumé avec
    le motif dans la colonne « problème ».

    Parameters
    ----------
    config
        Configuration déjà lue par `load_config`, ou chemin du YAML.

    Returns
    -------
    tables : dict[str, pd.DataFrame]
        Tableaux chargés, par clé ``fichier`` (ou ``fichier#feuille`` pour un classeur).
        Ils peuvent contenir des données personnelles : ne les affichez pas.
    summary : pd.DataFrame
        Une ligne par fichier, colonnes `SUMMARY_COLUMNS` : comptes seulement, aucune valeur
        de cellule. « données » dit en mots ce que contient le fichier (titre de son schéma),
        pour les rapports des élus qui ne montrent aucun nom de fichier.
    """

    if not isinstance(config, dict):
        config = load_config(config)
    tables: dict[str, pd.DataFrame] = {}
    rows: list[dict[str, Any]] = []
    for entry in config["fichiers"]:
        key = f"{entry['fichier']}#{entry['feuille']}" if entry["feuille"] else entry["fichier"]
        row: dict[str, Any] = {
            "service": entry["service"],
            "fichier": entry["fichier"],
            "feuille": entry["feuille"] or "",
            # ce que le fichier contient, en mots (titre du schéma) : les rapports des élus
            # nomment les données, jamais les fichiers
            "données": entry.get("jeu") or str(entry["schema"]).replace("_", " "),
        }
        try:
            row["données"] = load_schema(entry["schema"]).get("title") or row["données"]
            with warnings.catch_warnings():  # les doutes sont comptés ici et listés par
                warnings.simplefilter("ignore", ReadingDoubtWarning)  # `reading_doubts`
                df = load_table(entry["chemin"], sheet=entry["feuille"],
                                schema=entry["schema"], **reading_options(entry))
            report = validate(df, entry["schema"])
        except KitError as exc:
            logger.warning("%s : %s", key, exc)
            rows.append({**row, "problème": _short(str(exc))})
            continue
        tables[key] = df
        src = df.attrs.get("source", {})
        if not row["feuille"] and src.get("sheet"):
            row["feuille"] = src["sheet"]  # feuille lue par défaut (la première)
        summary = report.summary
        rows.append(
            {
                **row,
                "lignes lues": summary.get("lignes", len(df)),
                "lignes écartées": len(src.get("dropped", [])),
                "erreurs": summary.get("erreurs"),
                "avertissements": summary.get("avertissements"),
                "% lignes valides": summary.get("pct_lignes_valides"),
                "doutes de lecture": len(src.get("doubts") or []),
                "problème": "",
            }
        )
    summary_df = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    for col in ("lignes lues", "lignes écartées", "erreurs", "avertissements",
                "doutes de lecture"):
        summary_df[col] = summary_df[col].astype("Int64")
    summary_df["% lignes valides"] = summary_df["% lignes valides"].astype("Float64")
    return tables, summary_df


def reading_doubts(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Ce dont le lecteur n'est pas sûr, fichier par fichier, avant qu'on utilise les nombres.

    Parameters
    ----------
    tables
        Tableaux rendus par `load_all`.

    Returns
    -------
    pd.DataFrame
        Colonnes « fichier » (avec sa feuille) et « doute » (phrase en français : total qui ne
        s'additionne pas, deux en-têtes possibles, texte dans une colonne de nombres, ligne
        rejetée, guillemet non fermé, formule sans valeur…) ; vide si le kit est sûr de tout.
    """
    rows = [{"fichier": key.replace("#", " — feuille "), "doute": doubt}
            for key, df in tables.items()
            for doubt in (df.attrs.get("source") or {}).get("doubts") or []]
    return pd.DataFrame(rows, columns=["fichier", "doute"])


def loading_synthesis(summary: pd.DataFrame, threshold: float = 90.0) -> str:
    """Ce que le chargement dit aux élus, en Markdown : fichiers lus, fichiers sous le seuil de
    lignes valides, fichiers dont la lecture laisse un doute, fichiers illisibles.

    Parameters
    ----------
    summary
        Résumé rendu par `load_all`.
    threshold
        Seuil de lignes valides (%) sous lequel un fichier est à corriger.

    Examples
    --------
    >>> s = pd.DataFrame({"% lignes valides": [100.0, 80.0, None], "doutes de lecture": [0, 2, 0],
    ...                   "problème": ["", "", "fichier illisible"]})
    >>> print(loading_synthesis(s))
    **2 fichier(s) sur 3 lus** ; 1 sous 90 % de lignes valides, à corriger avec son service.
    <BLANKLINE>
    1 fichier(s) laissent un doute de lecture (total qui ne s'additionne pas, texte dans une colonne de nombres…) : à lever avant d'utiliser leurs nombres.
    <BLANKLINE>
    1 fichier(s) n'ont pas pu être lus.
    """
    read = summary[summary["problème"].fillna("") == ""]
    below = int((read["% lignes valides"] < threshold).sum())
    doubtful = int((read["doutes de lecture"].fillna(0) > 0).sum())
    failed = len(summary) - len(read)
    lines = [f"**{len(read)} fichier(s) sur {len(summary)} lus** ; "
             + (f"{below} sous {fmt_number(threshold, 0)} % de lignes valides, à corriger avec "
                "son service." if below else
                f"tous ont au moins {fmt_number(threshold, 0)} % de lignes valides.")]
    if doubtful:
        lines.append(f"{doubtful} fichier(s) laissent un doute de lecture (total qui ne "
                     "s'additionne pas, texte dans une colonne de nombres…) : à lever avant "
                     "d'utiliser leurs nombres.")
    if failed:
        lines.append(f"{failed} fichier(s) n'ont pas pu être lus.")
    return markdown_text("\n\n".join(lines))


def _short(message: str, width: int = 100) -> str:
    """Première ligne d'un message d'erreur, tronquée (le résumé reste lisible)."""
    first = message.strip().splitlines()[0] if message.strip() else ""
    return first if len(first) <= width else first[: width - 1] + "…"
