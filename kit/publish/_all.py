"""Tout publier d'un coup : page pour les habitants, données ouvertes, retour d'expérience."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from kit.comite import Committee, run_committee
from kit.publish._lessons import write_lessons
from kit.publish._portal import export_portal
from kit.publish._public import write_public_page


def publish_all(config_or_committee: dict[str, Any] | Committee, dest: str | Path, *,
                config: dict[str, Any] | None = None) -> list[Path]:
    """Écrit dans `dest` : ``public/index.html``, ``donnees_ouvertes/`` (CSV, schémas,
    ``datapackage.json``, catalogue national) et ``retour_experience.md`` / ``.html``.

    Parameters
    ----------
    config_or_committee
        Configuration lue par `kit.workspace.load_config` (le comité est alors refait par
        `kit.comite.run_committee`, ses fichiers de travail dans un dossier temporaire), ou
        comité déjà calculé.
    dest
        Dossier de sortie (celui de ``kit rapport``).
    config
        Configuration, quand le premier argument est un comité (section ``publication``,
        ``equipe_donnees``, type et strate).

    Returns
    -------
    list[Path]
        Fichiers écrits.
    """
    if isinstance(config_or_committee, Committee):
        committee = config_or_committee
    else:
        config = config_or_committee
        with tempfile.TemporaryDirectory() as work:
            committee = run_committee(config, work)
    dest = Path(dest)
    written = [write_public_page(committee, dest, config)]
    written += export_portal(committee, dest / "donnees_ouvertes", config=config)
    written += write_lessons(committee, dest, config=config)
    return written
