"""Cache d'un passage de ``python -m kit rapport`` : un résultat d'étape que plusieurs notebooks
relisent (le comité refait les étapes 1 à 4) est calculé une fois.

Le cache n'existe que si la variable d'environnement `RUN_CACHE_ENV` désigne un dossier : le
passage le crée, les noyaux des notebooks en héritent, et il est effacé à la fin. La clé est
l'empreinte sha256 de la configuration et de tous les fichiers qu'elle désigne : un fichier
modifié entre deux calculs donne une autre clé. Dans un notebook ouvert à la main, rien n'est
mis en cache.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["RUN_CACHE_ENV", "cached"]

logger = logging.getLogger(__name__)

#: Variable d'environnement qui désigne le dossier du cache d'un passage.
RUN_CACHE_ENV = "KIT_RUN_CACHE"
T = TypeVar("T")


def _files(config: dict[str, Any]) -> list[Path]:
    """Fichiers désignés par la configuration (chemins relatifs à son dossier)."""
    base = Path(config.get("_dossier", "."))
    found: set[Path] = set()

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                visit(v)
        elif isinstance(value, list):
            for v in value:
                visit(v)
        elif isinstance(value, str) and value and len(value) < 400:
            path = base / value
            try:
                if path.is_file():
                    found.add(path.resolve())
                elif path.is_dir() and path.resolve() != base.resolve():
                    found.update(p.resolve() for p in path.rglob("*") if p.is_file())
            except OSError:
                pass

    visit({k: v for k, v in config.items() if not str(k).startswith("_")})
    return sorted(found)


def _key(kind: str, config: dict[str, Any]) -> str:
    digest = hashlib.sha256(kind.encode())
    digest.update(json.dumps(config, sort_keys=True, default=str).encode())
    for path in _files(config):
        digest.update(str(path).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:32]


def cached(kind: str, config: dict[str, Any], compute: Callable[[], T]) -> T:
    """Résultat de `compute()`, relu du cache du passage quand les mêmes fichiers l'ont déjà
    donné ; calculé sans cache hors d'un passage de ``kit rapport``."""
    folder = os.environ.get(RUN_CACHE_ENV)
    if not folder or not Path(folder).is_dir():
        return compute()
    path = Path(folder) / f"{kind}-{_key(kind, config)}.pickle"
    if path.is_file():
        logger.info("Résultat « %s » repris du passage en cours", kind)
        return pickle.loads(path.read_bytes())  # écrit par ce passage, dans son dossier temporaire
    result = compute()
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(pickle.dumps(result))
    tmp.replace(path)
    return result
