"""Relevé du comité de pilotage précédent de Clairval (15 décembre 2025), pour montrer le suivi
d'un comité à l'autre : des décisions réglées depuis, d'autres toujours ouvertes, des
indicateurs qui ont changé de statut."""

from __future__ import annotations

from pathlib import Path

from kit.comite import save_snapshot

__all__ = ["PREVIOUS_COMMITTEE", "build_committee_history"]

PREVIOUS_COMMITTEE = "2025-12-15"

_DECISIONS = [
    # (id, priorité, étape, sujet, décision, depuis, porteur et échéance si la décision a été
    # prise : une action de la feuille de route la cite)
    ("D251117-01", 1, "1. Diagnostic", "Données personnelles : RH-FORMATIONS",
     "Le jeu « RH-FORMATIONS » contient des données personnelles mais ne cite aucun "
     "traitement du registre. Avec le DPO, inscrivez le traitement au registre.", "2025-11-17",
     ("délégué à la protection des données", "2025-12-31")),
    ("D251117-02", 1, "1. Diagnostic", "Données personnelles : CUL-LECTEURS",
     "Le jeu « CUL-LECTEURS » cite un traitement absent du registre. Vérifiez la référence "
     "avec le DPO.", "2025-11-17", None),
    ("D251117-03", 2, "1. Diagnostic", "Délégation : Aquavia Services",
     "Obtenir une clause données dans le contrat de délégation de l'eau.", "2025-11-17",
     ("responsable du contrat de délégation", "2026-06-30")),
    ("D251215-01", 2, "3. Indicateurs", "En retard : Direction de la propreté",
     "DEC-04 en retard sur sa trajectoire : demander un plan d'action au pilote.",
     "2025-12-15", ("direction de la propreté", "2026-01-10")),
    ("D251117-04", 2, "3. Indicateurs", "En retard : Service urbanisme",
     "URB-01 en retard sur sa trajectoire : demander un plan d'action au pilote.",
     "2025-11-17", None),
]

_STATUSES = {"DEC-01": "dans la trajectoire", "DEC-02": "atteint", "DEC-04": "en retard",
             "NRJ-01": "en retard", "ECL-01": "en retard", "ECL-02": "dans la trajectoire",
             "URB-01": "en retard", "EAU-01": "en retard"}


def build_committee_history(dest: Path) -> Path:
    """Écrit ``comite/historique/comite_2025-12-15.json``."""
    record = {
        "collectivite": "Ville de Clairval", "date": PREVIOUS_COMMITTEE,
        "chiffres_cles": [{"sujet": "Indicateurs suivis", "valeur": "16",
                           "lecture": "relevé d'exemple"}],
        "decisions": [{"id": i, "priorité": p, "étape": e, "sujet": s, "décision": d,
                       "depuis": since, "prise": taken is not None,
                       "porteur": taken[0] if taken else None,
                       "échéance": taken[1] if taken else None}
                      for i, p, e, s, d, since, taken in _DECISIONS],
        "indicateurs": _STATUSES,
    }
    return save_snapshot(record, dest / "comite" / "historique")
