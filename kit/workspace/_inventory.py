"""Inventaire des données de la collectivité : lecture des fichiers des services et du registre
des traitements, et les constantes du modèle que toutes les étapes lisent (délégataire,
détenteurs extérieurs, modes d'accès utilisables).

Le diagnostic (étape 1) contrôle l'inventaire ; la priorisation (étape 2), les indicateurs
(étape 3) et le comité (étape 5) le relisent : il appartient donc à l'espace de travail.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from kit.workspace._collect import load_many

__all__ = ["ACCESSIBLE_MODES", "DSP_HOLDER", "EXTERNAL_HOLDERS", "load_inventories",
           "load_register", "split_ids", "unknown_ids"]

#: Modes d'accès qui permettent à la collectivité d'utiliser les données sans démarche.
ACCESSIBLE_MODES = ("Interne", "API", "Open data publié")

#: Détenteur d'un jeu confié à un délégataire de service public (liste du modèle d'inventaire).
DSP_HOLDER = "Délégataire (DSP)"
#: Détenteurs extérieurs à la collectivité (liste du modèle d'inventaire).
EXTERNAL_HOLDERS = (DSP_HOLDER, "Prestataire", "Partenaire")


def load_inventories(sources: str | Path | Iterable[str | Path]
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lit les inventaires des services (un fichier par service ou un fichier commun).

    Parameters
    ----------
    sources
        Dossier, fichier ou liste de fichiers remplis d'après
        ``templates/inventaire_donnees.xlsx``.

    Returns
    -------
    tuple[pandas.DataFrame, pandas.DataFrame]
        Une ligne par jeu de données déclaré (colonnes du schéma ``inventaire_donnees`` plus
        ``fichier``, ``feuille``, ``ligne``) et les problèmes de validation, cellule par cellule.
        Une cellule en erreur (qualité 5, mode d'accès hors liste…) est laissée vide dans le
        tableau et citée dans les problèmes ; un fichier illisible est signalé et les autres sont
        lus.
    """
    return load_many(sources, "inventaire_donnees")


def load_register(source: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lit le registre des activités de traitement (modèle ``registre_traitements``)."""
    return load_many(source, "registre_traitements")


def split_ids(text: Any) -> list[str]:
    """« EAU-RESEAU ; FIN-BUDGET, dec-tonnages » → ['EAU-RESEAU', 'FIN-BUDGET', 'DEC-TONNAGES']."""
    if text is None or pd.isna(text):
        return []
    return [p.strip().upper() for p in re.split(r"[;,\n]+", str(text)) if p.strip()]


def unknown_ids(text: Any, known: set[str] | None) -> list[str]:
    """Identifiants cités dans `text` qui ne sont pas dans `known` (identifiants de l'inventaire,
    en majuscules) ; aucun si `known` est None (pas d'inventaire pour comparer).

    >>> unknown_ids("EAU-1 ; fin-2", {"EAU-1"}), unknown_ids("EAU-1", None)
    (['FIN-2'], [])
    """
    if known is None:
        return []
    return [i for i in split_ids(text) if i not in known]
