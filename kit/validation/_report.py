"""Rapport de validation : résumé, liste des problèmes, rendus texte / HTML / Markdown."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from kit._format import fmt_number, fmt_percent

#: Colonnes du tableau des problèmes, dans l'ordre.
PROBLEM_COLUMNS = ["fichier", "feuille", "cellule", "ligne", "colonne", "valeur", "code",
                   "niveau", "message"]

#: Libellés des codes de problème (résumé).
CODE_LABELS = {
    "type": "valeur illisible pour le type attendu",
    "format": "format incorrect (e-mail, adresse web, date)",
    "format-non-standard": "valeur lisible mais pas écrite comme le demande le schéma",
    "requis": "valeur obligatoire manquante",
    "contrainte": "valeur hors limites (minimum, maximum, longueur)",
    "enum": "valeur hors de la liste autorisée",
    "motif": "valeur qui ne respecte pas le motif attendu",
    "unicite": "valeur en double",
    "colonne-manquante": "colonne absente",
    "colonne-en-trop": "colonne non décrite dans le schéma",
    "colonne-en-double": "colonne présente deux fois",
    "nom-colonne": "en-tête reconnu mais écrit autrement que dans le schéma",
    "type-non-verifie": "type de champ non vérifié par le kit",
    "ligne-rejetee": "ligne du fichier écartée à la lecture (enregistrement perdu)",
    "ligne-reparee": "ligne du fichier recomposée à la lecture (à vérifier)",
    "guillemet-non-ferme": "ligne ouvrant un guillemet jamais fermé (relue sans lui, à vérifier)",
}

_NIVEAUX = {"erreur": "ERREUR", "avertissement": "avertissement"}


@dataclass
class Report:
    """Rapport de validation d'un tableau contre un schéma (Table Schema).

    Attributes
    ----------
    problems
        Tous les problèmes (erreurs et avertissements), une ligne par cellule ou colonne en
        cause : fichier, feuille, cellule, ligne, colonne, valeur, code, niveau, message.
    summary
        Résumé : lignes, lignes valides, pourcentage de lignes valides, nombre d'erreurs et
        d'avertissements, nombre de problèmes par code, contrôles non vérifiés.
    mapping
        Champ du schéma → colonne du tableau qui lui correspond (None si absente).
    unchecked
        Contrôles propres à Validata (« custom_checks ») listés mais non vérifiés par le kit.
    """

    problems: pd.DataFrame
    summary: dict[str, Any]
    mapping: dict[str, str | None]
    unchecked: list[str] = field(default_factory=list)
    schema_title: str | None = None

    @property
    def errors(self) -> pd.DataFrame:
        """Les erreurs seules (niveau « erreur »)."""
        return self.problems[self.problems["niveau"] == "erreur"].reset_index(drop=True)

    @property
    def warnings(self) -> pd.DataFrame:
        """Les avertissements seuls (niveau « avertissement »)."""
        return self.problems[self.problems["niveau"] == "avertissement"].reset_index(drop=True)

    @property
    def ok(self) -> bool:
        """Vrai si le tableau ne contient aucune erreur (les avertissements sont permis)."""
        return bool((self.problems["niveau"] != "erreur").all())

    def __bool__(self) -> bool:  # `if rapport:` se lit « si le fichier est valide »
        return self.ok

    def __repr__(self) -> str:
        return f"<Report ok={self.ok} {self._headline()}>"

    # ---------------------------------------------------------------- rendus
    def _headline(self) -> str:
        s = self.summary
        return (f"{fmt_number(s['erreurs'], 0)} erreur(s), {fmt_number(s['avertissements'], 0)} "
                f"avertissement(s), {fmt_number(s['lignes_valides'], 0)} ligne(s) valide(s) sur "
                f"{fmt_number(s['lignes'], 0)} ({fmt_percent(s['pct_lignes_valides'], 1)})")

    def _summary_lines(self) -> list[str]:
        s = self.summary
        verdict = ("Fichier conforme au schéma." if self.ok
                   else "Fichier NON conforme au schéma : corrigez les erreurs ci-dessous.")
        lines = [verdict, self._headline() + "."]
        for code, n in s["par_code"].items():
            lines.append(f"- {code} : {fmt_number(n, 0)} ({CODE_LABELS.get(code, code)})")
        for check in self.unchecked:
            lines.append(f"- non vérifié : {check} (contrôle Validata, à faire sur "
                         "validata.fr ou schema.data.gouv.fr)")
        return lines

    def _listed(self, max_per_column: int) -> tuple[pd.DataFrame, dict[str, int]]:
        """Problèmes à afficher (au plus `max_per_column` par colonne) et nombre de masqués."""
        p = self.problems
        if p.empty:
            return p, {}
        key = p["colonne"].fillna("")
        rank = p.groupby(key, sort=False).cumcount()
        shown = p[rank < max_per_column]
        counts = key.value_counts()
        hidden = {c: int(n - max_per_column) for c, n in counts.items() if n > max_per_column}
        return shown, hidden

    def to_text(self, max_per_column: int = 20) -> str:
        """Rapport en texte brut (affiché par la ligne de commande).

        Parameters
        ----------
        max_per_column
            Nombre maximal de problèmes listés par colonne ; les autres sont comptés.
        """
        title = "Rapport de validation"
        if self.summary.get("fichier"):
            title += f" : {self.summary['fichier']}"
            if self.summary.get("feuille"):
                title += f" (feuille « {self.summary['feuille']} »)"
        if self.schema_title:
            title += f"\nSchéma : {self.schema_title}"
        out = [title, "=" * min(len(title.splitlines()[0]), 80), *self._summary_lines()]
        shown, hidden = self._listed(max_per_column)
        if not shown.empty:
            out += ["", "Problèmes :"]
            for row in shown.itertuples(index=False):
                out.append(f"[{_NIVEAUX[row.niveau]}] {row.message}")
            for col, n in hidden.items():
                out.append(f"… et {fmt_number(n, 0)} autre(s) problème(s) dans la colonne « {col} » "
                           "(voir Report.problems).")
        return "\n".join(out) + "\n"

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self, max_per_column: int = 20) -> str:
        esc = html.escape
        parts = ['<div class="kit-rapport-validation">']
        lines = self._summary_lines()
        parts.append(f"<p><strong>{esc(lines[0])}</strong><br>{esc(lines[1])}</p>")
        if lines[2:]:
            parts.append("<ul>" + "".join(f"<li>{esc(x[2:])}</li>" for x in lines[2:]) + "</ul>")
        shown, hidden = self._listed(max_per_column)
        if not shown.empty:
            cols = ["cellule", "ligne", "colonne", "valeur", "code", "niveau", "message"]
            head = "".join(f"<th>{esc(c)}</th>" for c in cols)
            rows = []
            for rec in shown[cols].itertuples(index=False):
                cells = "".join(f"<td>{esc(_cell(v))}</td>" for v in rec)
                rows.append(f"<tr>{cells}</tr>")
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}"
                         "</tbody></table>")
            for col, n in hidden.items():
                parts.append(f"<p>… et {esc(fmt_number(n, 0))} autre(s) problème(s) dans la colonne "
                             f"« {esc(str(col))} ».</p>")
        parts.append("</div>")
        return "\n".join(parts)

    def _repr_markdown_(self, max_per_column: int = 20) -> str:
        def md(v: Any) -> str:
            return html.escape(_cell(v)).replace("|", "\\|").replace("\n", " ")

        lines = self._summary_lines()
        out = [f"**{md(lines[0])}** {md(lines[1])}", ""]
        out += [f"- {md(x[2:])}" for x in lines[2:]]
        shown, hidden = self._listed(max_per_column)
        if not shown.empty:
            cols = ["cellule", "ligne", "colonne", "valeur", "code", "niveau", "message"]
            out += ["", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
            for rec in shown[cols].itertuples(index=False):
                out.append("| " + " | ".join(md(v) for v in rec) + " |")
            for col, n in hidden.items():
                out.append(f"\n… et {fmt_number(n, 0)} autre(s) problème(s) dans la colonne "
                           f"« {md(col)} ».")
        return "\n".join(out) + "\n"


def _cell(v: Any) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    return str(v)
