"""Codes de territoire de la configuration : forme attendue et présence dans le référentiel.

Fonctions sans effet de bord qui renvoient le texte d'un problème (ou None) ; utilisées par
`kit.workspace._config_check`. Le référentiel est le Code officiel géographique embarqué
(`kit.territories`) : `check_codes` pour une commune (anciens codes, Corse), la liste des
codes pour un EPCI, un département ou une région.
"""

from __future__ import annotations

import re
from typing import Any

from kit.errors import KitError
from kit.territories import check_codes, closest_communes, load_territories

__all__ = ["SHAPES", "code_problem", "commune_problem"]

_COMMUNE = re.compile(r"\d{5}|2[AB]\d{3}")
#: Clé → (motif, description) des codes vérifiés en forme.
SHAPES = {
    "siren": (re.compile(r"\d{9}"), "un numéro SIREN de 9 chiffres"),
    "siret": (re.compile(r"\d{14}"), "un numéro SIRET de 14 chiffres"),
    "code_postal": (re.compile(r"\d{5}"), "un code postal de 5 chiffres"),
    "departement": (re.compile(r"\d{2}|2[AB]|97\d"), "un code de département (« 07 », « 2A »)"),
    "region": (re.compile(r"\d{2}"), "un code de région de 2 chiffres (« 84 »)"),
}


def _shown(value: Any) -> str:
    return f"« {value} »" if isinstance(value, str) else f"{value!r} ({type(value).__name__})"


def code_problem(key: str, value: Any, level: str, *, check: bool = True) -> str | None:
    """Problème d'un code de `SHAPES` : forme, puis présence au niveau `level` si `check`.

    Examples
    --------
    >>> code_problem("departement", "2A", "departement") is None
    True
    >>> code_problem("region", "99", "region")
    "le code 99 n'existe pas dans le Code officiel géographique embarqué (niveau « region »)."
    """
    pattern, what = SHAPES[key]
    if not isinstance(value, str) or not pattern.fullmatch(value):
        return f"{what} est attendu, écrit entre apostrophes, reçu {_shown(value)}."
    if not check:
        return None

    try:
        known = set(load_territories(level)["code"])
    except KitError:  # référentiel absent de l'installation : rien à comparer
        return None
    if value in known:
        return None
    return (f"le code {value} n'existe pas dans le Code officiel géographique embarqué "
            f"(niveau « {level} »).")


def commune_problem(value: Any, name: Any, fictitious: bool) -> tuple[str | None, str | None]:
    """(erreur, remarque) pour un code commune INSEE ; `name` sert à proposer des communes.

    La forme est toujours vérifiée ; la présence dans le référentiel seulement si la
    collectivité n'est pas fictive. Un ancien code (commune fusionnée) donne une remarque,
    pas une erreur.

    Examples
    --------
    >>> commune_problem("01053", None, False)
    (None, None)
    >>> commune_problem("07999", "Ville de Clairval", True)
    (None, None)
    """
    if not isinstance(value, str) or not _COMMUNE.fullmatch(value):
        hint = ""
        if isinstance(value, str) and value.isdigit() and len(value) == 4:
            hint = f" Le zéro initial manque-t-il (« 0{value} ») ?"
        elif isinstance(value, str) and _COMMUNE.fullmatch(value.upper().strip()):
            hint = f" Écrivez « {value.upper().strip()} »."
        return (f"un code commune INSEE est attendu : 5 caractères, chiffres ou 2A/2B pour la "
                f"Corse (par exemple '01053' ou '2A004'), reçu {_shown(value)}.{hint}"), None
    if fictitious:
        return None, None

    try:
        row = check_codes([value], level="commune").iloc[0]
    except KitError as exc:
        return None, f"code {value} non vérifié ({exc})."
    if row["statut"] == "valide":
        return None, None
    if row["statut"] == "ancien code":
        return None, f"{row['detail']}. Écrivez le code actuel « {row['code_actuel']} »."
    if row["statut"] == "corrigé":
        return f"{row['detail']} : écrivez « {row['code_actuel']} ».", None
    near = ", ".join(f"{c} {n}" for c, n in closest_communes(value, name))
    return (f"le code {value} n'existe pas dans le Code officiel géographique embarqué. "
            "Vérifiez-le sur insee.fr" + (f" (codes ou noms proches : {near})" if near else "")
            + " ; pour une collectivité fictive, ajoutez « fictif: true »."), None
