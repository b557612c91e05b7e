"""Suivi des indicateurs : trajectoire de la référence à la cible, statut de chaque période,
retard de mise à jour. Fonctions pures, sans lecture de fichier.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["LATE", "ON_TRACK", "STATUSES", "TOLERANCE", "UPDATE_DELAY_DAYS", "period_status", "trajectory",
           "update_overdue"]

#: Statuts possibles d'une période, du meilleur au pire, puis les cas sans jugement.
STATUSES = ("atteint", "en avance", "dans la trajectoire", "en retard", "alerte",
            "incomplet", "sans donnée", "sans cible")
#: Statuts « dans les temps » et « en retard » (chiffres clés, cartes, décisions du comité).
ON_TRACK = ("atteint", "en avance", "dans la trajectoire")
LATE = ("en retard", "alerte")

#: Tolérance autour de la trajectoire : 5 % de l'écart entre la référence et la cible (ou,
#: pour un indicateur « stabilité », 5 % de la cible). Hypothèse du kit, modifiable.
TOLERANCE = 0.05

#: Délai (jours après la fin d'une période) au-delà duquel la valeur suivante est attendue :
#: une période entière de plus et un mois de marge pour la remontée des données.
UPDATE_DELAY_DAYS = {"mensuelle": 62, "trimestrielle": 122, "annuelle": 396}


def trajectory(dates: pd.Series | pd.DatetimeIndex, reference: float | None,
               reference_date: Any, target: float | None, deadline: Any,
               shape: str | None = "linéaire") -> np.ndarray:
    """Valeur attendue à chaque date sur le chemin de la référence à la cible.

    Avant la date de référence : pas de trajectoire (NaN) ; après l'échéance : la cible.
    « linéaire » (par défaut) avance d'un même écart chaque jour ; « géométrique » d'un même
    taux (référence et cible de même signe et non nulles, sinon linéaire).

    Examples
    --------
    >>> d = pd.to_datetime(["2023-12-31", "2024-12-31", "2025-12-31", "2027-12-31"])
    >>> trajectory(d, 100.0, "2023-12-31", 80.0, "2025-12-31").round(1).tolist()
    [100.0, 90.0, 80.0, 80.0]
    >>> trajectory(d, 100.0, "2023-12-31", 81.0, "2025-12-31", "géométrique").round(1).tolist()
    [100.0, 90.0, 81.0, 81.0]
    """
    dates = pd.DatetimeIndex(dates)
    if reference is None or target is None or pd.isna(reference) or pd.isna(target) or \
            reference_date is None or deadline is None or pd.isna(reference_date) or \
            pd.isna(deadline):
        return np.full(len(dates), np.nan)
    start, end = pd.Timestamp(reference_date), pd.Timestamp(deadline)
    span = max((end - start).days, 1)
    frac = np.clip(np.asarray((dates - start).days, dtype=float) / span, 0.0, 1.0)
    if shape == "géométrique" and reference * target > 0:
        values = reference * (target / reference) ** frac
    else:
        values = reference + (target - reference) * frac
    return np.where(np.asarray(dates < start), np.nan, values)


def period_status(value: float, expected: float, *, sens: str, target: float | None,
                  reference: float | None, alert: float | None) -> str:
    """Statut d'une valeur : atteint, en avance, dans la trajectoire, en retard ou alerte.

    - « hausse » / « baisse » : alerte si la valeur a franchi le seuil d'alerte du mauvais
      côté ; atteint si la cible est atteinte ; sinon comparaison à la trajectoire, avec une
      tolérance de 5 % de l'écart référence → cible.
    - « stabilité » : atteint à moins de 5 % de la cible ; alerte si l'écart à la cible
      dépasse le seuil d'alerte (un écart, dans l'unité de l'indicateur) ; en retard entre
      les deux.

    Examples
    --------
    >>> kw = dict(sens="baisse", target=80.0, reference=100.0, alert=105.0)
    >>> [period_status(v, 90.0, **kw) for v in (79.0, 85.0, 90.5, 95.0, 106.0)]
    ['atteint', 'en avance', 'dans la trajectoire', 'en retard', 'alerte']
    >>> period_status(88.0, 85.0, sens="stabilité", target=85.0, reference=85.0, alert=10.0)
    'atteint'
    """
    if value is None or pd.isna(value):
        return "sans donnée"
    if target is None or pd.isna(target):
        return "sans cible"
    if sens == "stabilité":
        gap = abs(value - target)
        if alert is not None and not pd.isna(alert) and gap > alert:
            return "alerte"
        return "atteint" if gap <= TOLERANCE * abs(target) else "en retard"
    sign = 1.0 if sens == "hausse" else -1.0
    if alert is not None and not pd.isna(alert) and sign * (value - alert) < 0:
        return "alerte"
    if sign * (value - target) >= 0:
        return "atteint"
    if expected is None or pd.isna(expected):
        return "en retard" if reference is not None and not pd.isna(reference) and \
            sign * (value - reference) < 0 else "dans la trajectoire"
    base = reference if reference is not None and not pd.isna(reference) else expected
    tol = TOLERANCE * abs(target - base) if not math.isclose(target, base) else \
        TOLERANCE * abs(target)
    diff = sign * (value - expected)
    if diff > tol:
        return "en avance"
    return "dans la trajectoire" if diff >= -tol else "en retard"


def update_overdue(last_period_end: Any, frequency: str, today: Any) -> bool:
    """Vrai si la valeur de la période suivante aurait déjà dû arriver.

    Examples
    --------
    >>> update_overdue("2025-10-31", "mensuelle", "2026-01-15")
    True
    >>> update_overdue("2025-12-31", "mensuelle", "2026-01-15")
    False
    """
    if last_period_end is None or pd.isna(last_period_end):
        return True
    delay = UPDATE_DELAY_DAYS.get(frequency, UPDATE_DELAY_DAYS["annuelle"])
    return (pd.Timestamp(today) - pd.Timestamp(last_period_end)).days > delay
