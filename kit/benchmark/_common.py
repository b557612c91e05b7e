"""Éléments partagés par les modules de comparaison : avertissements, profil, formats."""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from kit.errors import BenchmarkWarning, KitError, SmallGroupWarning

__all__ = ["BenchmarkWarning", "SmallGroupWarning", "profile_of", "warn"]

#: Taille minimale conseillée d'un groupe de comparaison.
MIN_PEERS = 5


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
