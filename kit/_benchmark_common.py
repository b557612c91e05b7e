"""Éléments partagés par les modules de comparaison : avertissements, profil, formats."""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from kit.errors import KitError

__all__ = ["BenchmarkWarning", "SmallGroupWarning", "fr_number", "profile_of", "warn"]

#: Taille minimale conseillée d'un groupe de comparaison.
MIN_PEERS = 5


class BenchmarkWarning(UserWarning):
    """Avertissement de la comparaison entre territoires (message en français)."""


class SmallGroupWarning(BenchmarkWarning):
    """Groupe de comparaison trop petit pour que rangs et percentiles aient du sens."""


def warn(message: str, category: type[BenchmarkWarning] = BenchmarkWarning) -> None:
    """Émet un avertissement du kit, attribué au code de l'utilisateur (notebook)."""
    warnings.warn(message, category, stacklevel=3)


def profile_of(peers: pd.DataFrame, profile: dict[str, Any] | None) -> dict[str, Any]:
    """Profil de la collectivité : celui donné, sinon celui mémorisé par `select_peers`."""
    found = profile if profile is not None else peers.attrs.get("profile")
    if not isinstance(found, dict) or not found.get("code"):
        raise KitError("Profil de la collectivité inconnu : construisez le groupe avec "
                       "`select_peers(profil, ...)` ou passez `profile=profile_from_config("
                       "config)`.")
    return found


def fr_number(value: float | None, decimals: int = 1, signed: bool = False) -> str:
    """Nombre à la française : « 1 234,5 », « +4,2 » ; « — » si vide.

    Examples
    --------
    >>> fr_number(1234.56), fr_number(-0.04, 1, signed=True), fr_number(None)
    ('1 234,6', '−0,0', '—')
    """
    from kit._format import fmt_number

    text = fmt_number(value, decimals)
    if text == "—":
        return text
    if signed and not text.startswith("-"):
        text = "+" + text
    return text.replace("-", "−").replace("\u202f", " ")
