"""Clauses données des contrats : un document par délégataire, prestataire ou partenaire."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from kit._format import fmt_date
from kit.documents import _facts as facts
from kit.documents._docx import Writer
from kit.workspace import ACCESSIBLE_MODES, DSP_HOLDER

#: Format ouvert à demander selon le format actuel.
_OPEN_FORMAT = {"Tableur (xlsx, ods)": "CSV (UTF-8) ou ODS", "PDF": "CSV (UTF-8)",
                "Papier": "CSV (UTF-8)", "Base de données": "CSV (UTF-8) ou API",
                "SIG (shp, GeoPackage)": "GeoPackage", "API": "API documentée (JSON)",
                "CSV": "CSV (UTF-8)", "Autre": "format ouvert documenté"}


def _status_sentence(rows: pd.DataFrame) -> str:
    counts = rows["clauses_donnees_dsp"].value_counts()
    parts = [f"« {k} » pour {v} jeu(x)" for k, v in counts.items()]
    return ("Clause données dans le contrat actuel (inventaire) : " + " ; ".join(parts) + ".")


def _asks(rows: pd.DataFrame, end: dt.date | None) -> list[str]:
    formats = sorted({_OPEN_FORMAT.get(str(f), "format ouvert documenté")
                      for f in rows["format"].dropna()} or {"CSV (UTF-8)"})
    closed = rows[~rows["mode_acces"].isin(ACCESSIBLE_MODES)]
    freq = [f"{r['identifiant']} : {r['frequence_maj']}" for _, r in rows.iterrows()
            if pd.notna(r["frequence_maj"])]
    personal = rows[rows["donnees_personnelles"].fillna(False).astype(bool)]
    asks = [
        (f"Formats : remise dans un format ouvert et documenté ({', '.join(formats)}), avec le "
        "dictionnaire des champs."),
        "Fréquence : au moins celle de la mise à jour actuelle ("
        + ("; ".join(freq) if freq else "à préciser") + "), à date fixe.",
        ("Indicateurs de qualité : taux de complétude, date de dernière mise à jour, "
        "anomalies corrigées, indicateurs de performance du contrat calculés sur ces données."),
        "Accès : " + (f"{len(closed)} jeu(x) aujourd'hui en « "
                      + ", ".join(sorted(closed["mode_acces"].dropna().astype(str).unique()))
                      + " » : demander un accès direct (API ou dépôt automatique) sans surcoût."
                      if len(closed) else "maintenir l'accès direct actuel, sans surcoût."),
        ("Sécurité : hébergement en France ou dans l'Union européenne, journalisation des "
        "accès, notification des incidents sous 48 heures."),
        "Réversibilité au terme : remise complète de l'historique des données, documentées, "
        "au plus tard trois mois avant la fin du contrat"
        + (f" (fin prévue le {fmt_date(end)})" if end else "") + ".",
        ("Licence ouverte : les données d'intérêt général appartiennent à la collectivité, qui "
        "peut les publier sous Licence Ouverte 2.0 ou ODbL."),
    ]
    if len(personal):
        asks.append(
            "Données personnelles : " + ", ".join(personal["identifiant"]) + " en "
            "contiennent : l'opérateur agit en sous-traitant (article 28 du RGPD), la "
            "collectivité ne reçoit que des données agrégées ou pseudonymisées sauf besoin "
            "établi avec le DPO.")
    else:
        asks.append("Données personnelles : aucune déclarée ; l'opérateur s'engage à prévenir "
                    "la collectivité s'il en collecte.")
    return asks


def _model_clause(name: str, rows: pd.DataFrame) -> str:
    ids = ", ".join(rows["identifiant"])
    return (
        f"Article X — Données du service. {name} (ci-après « le titulaire ») remet à la "
        f"collectivité les données produites ou collectées pour l'exécution du présent contrat, "
        f"notamment : {ids}. Ces données sont des données d'intérêt général (article L. 3131-2 "
        "du code de la commande publique pour les concessions) ; la collectivité peut les "
        "exploiter et les publier librement.\n"
        "X.1 — Remise. Les données sont remises dans un format ouvert et documenté, à la "
        "fréquence fixée en annexe, par dépôt automatique ou interface de programmation, sans "
        "frais supplémentaires.\n"
        "X.2 — Qualité. Le titulaire joint à chaque remise les indicateurs de qualité fixés en "
        "annexe et corrige les anomalies signalées dans un délai d'un mois.\n"
        "X.3 — Sécurité et données personnelles. Le titulaire garantit la sécurité des données ; "
        "pour les données personnelles, il agit en sous-traitant au sens de l'article 28 du "
        "RGPD et respecte les instructions de la collectivité et de son DPO.\n"
        "X.4 — Réversibilité. Au plus tard trois mois avant le terme du contrat, le titulaire "
        "remet l'intégralité des données et de leur historique, avec leur documentation, pour "
        "permettre la continuité du service.\n"
        "X.5 — Ouverture. La collectivité peut publier les données non personnelles sous "
        "Licence Ouverte 2.0 ou ODbL ; le titulaire signale celles qui relèvent d'un secret "
        "protégé par la loi, en le justifiant.")


def write_clauses(name: str, rows: pd.DataFrame, collectivite: str, path: str | Path,
                  end: dt.date | None = None) -> Path:
    """Écrit le document « Clauses données » d'un opérateur (``clauses_donnees_<slug>.docx``).

    Parameters
    ----------
    name
        Nom de l'opérateur (colonne « Nom du délégataire » de l'inventaire).
    rows
        Ses jeux de données (une valeur de `kit.documents._facts.operators`).
    collectivite
        Nom de la collectivité.
    path
        Fichier .docx à écrire.
    end
        Date de fin du contrat si elle est connue (section ``documents.contrats``).
    """
    kinds = sorted(rows["detenteur"].astype(str).unique())
    w = Writer(f"Clauses données — {name}",
               f"{collectivite} : clauses à intégrer au contrat ou à la convention "
               f"({', '.join(kinds)}), au prochain avenant ou renouvellement.")
    w.heading("1. Données détenues pour la collectivité")
    w.table(["Identifiant", "Jeu de données", "Service", "Format", "Fréquence",
             "Mode d'accès", "Clause données", "Données personnelles"],
            [(r["identifiant"], r["titre"], r["service_producteur"], r["format"],
              r["frequence_maj"], r["mode_acces"], r["clauses_donnees_dsp"],
              "oui" if bool(r["donnees_personnelles"]) is True else "non")
             for _, r in rows.iterrows()])
    w.heading("2. Situation du contrat")
    lines = [_status_sentence(rows)]
    if (rows["detenteur"] == DSP_HOLDER).any():
        lines.append("Délégation de service public : les données du service sont des données "
                     "d'intérêt général que le délégataire doit remettre à la collectivité.")
    lines.append(f"Fin du contrat : {fmt_date(end)}." if end else
                 "Fin du contrat : non connue (à relever dans le contrat et à indiquer dans "
                 "« documents.contrats » de la configuration).")
    w.bullets(lines)
    w.heading("3. Ce qu'il faut demander")
    w.bullets(_asks(rows, end))
    w.heading("4. Clause type à recopier")
    w.quote(_model_clause(name, rows))
    return w.save(path)


def write_all_clauses(inventory: pd.DataFrame, collectivite: str, folder: str | Path,
                      ends: dict[str, dt.date] | None = None) -> dict[str, Path]:
    """Un document de clauses par opérateur de l'inventaire ; renvoie opérateur → fichier."""
    ends = ends or {}
    out: dict[str, Path] = {}
    used: set[str] = set()
    for name, rows in facts.operators(inventory).items():
        stem, n = facts.slug(name), 2
        while stem in used:  # deux noms qui donnent le même nom de fichier
            stem, n = f"{facts.slug(name)}_{n}", n + 1
        used.add(stem)
        target = Path(folder) / f"clauses_donnees_{stem}.docx"
        out[name] = write_clauses(name, rows, collectivite, target, ends.get(name))
    return out
