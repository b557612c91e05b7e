"""Profil de qualité d'un tableau : remplissage, doublons, fraîcheur, données personnelles.

Le profil ne montre jamais de valeur d'une colonne soupçonnée de contenir des données
personnelles (ni exemple, ni minimum, ni maximum) : il indique seulement la nature du soupçon.
La reconnaissance des valeurs (e-mail, téléphone, NIR, IBAN, adresse) vient de `kit._personal`,
en temps proportionnel à la longueur des cellules : une cellule de 5 millions de caractères ou
10 000 colonnes se profilent en quelques secondes (``benchmarks/bench_profile.py``).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kit import _parse
from kit._format import fmt_percent
from kit._gate import mask_frame, mask_personal  # réexportés : masquer avant de montrer
from kit._personal import PERSONAL_SHARE, column_kind, has_personal  # noqa: F401 (réexporté)
from kit.validation import as_text, cell_text

__all__ = ["Profile", "detect_personal_data", "mask_frame", "mask_personal",
           "mask_personal_fragments", "personal_findings", "personal_fragments", "profile"]

_SAMPLE = 2000

_NAME_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("e-mail", re.compile(r"(^|_)(e_?mail|mel|courriel|adresse_electronique)(_|$)")),
    ("téléphone", re.compile(r"(^|_)(tel|telephone|tel_portable|portable|mobile|gsm|fax)"
                             r"(_|$|\d)")),
    ("NIR", re.compile(r"(^|_)(nir|secu|securite_sociale|num_ss|n_ss|no_ss|"
                       r"numero_de_securite_sociale|insee_individu)(_|$)")),
    ("IBAN", re.compile(r"(^|_)(iban|rib|bic)(_|$)")),
    ("date de naissance", re.compile(r"(^|_)(naissance|date_de_naissance|ddn|ne_le|nee_le|"
                                     r"date_naiss|dt_naiss)(_|$)")),
    ("nom/prénom", re.compile(r"(^|_)(prenom|prenoms|patronyme|nom_de_famille|nom_d_usage|"
                              r"nom_usage|nom_naissance|nom_complet|nom_prenom)(_|$)|^nom$|"
                              r"^nom_(agent|usager|beneficiaire|demandeur|contact|patient|"
                              r"eleve|habitant|allocataire|personne|responsable)$")),
    ("adresse", re.compile(r"(^|_)(adresse|adresse_postale|domicile|lieu_de_residence)(_|$)")),
]


def detect_personal_data(s: pd.Series, name: object = None) -> str | None:
    """Nature des données personnelles soupçonnées dans une colonne, ou None.

    Le soupçon vient du nom de la colonne (« Téléphone », « Date de naissance »…) ou des
    valeurs elles-mêmes (au moins 30 % des valeurs non vides ressemblent à des e-mails, des
    numéros de téléphone français, des NIR, des IBAN ou des adresses postales).

    Examples
    --------
    >>> detect_personal_data(pd.Series(["06 12 34 56 78", "+33 6 98 76 54 32"]), "contact")
    'téléphone'
    >>> detect_personal_data(pd.Series(["12", "15"]), "Date de naissance")
    'date de naissance'
    >>> detect_personal_data(pd.Series(["Lyon", "Paris"]), "ville") is None
    True
    """
    label = _parse.normalize_label(name if name is not None else s.name or "")
    for kind, rule in _NAME_RULES:
        if rule.search(label):
            return kind
    return column_kind(_sample_texts(s))


def _sample_texts(s: pd.Series, limit: int = _SAMPLE) -> list[str]:
    """Jusqu'à `limit` valeurs distinctes non vides, en texte (comme `as_text`), dans l'ordre."""
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
        return []  # vrai / faux et dates ne sont jamais une donnée personnelle par leur valeur
    seen: dict[str, None] = {}
    for value in s.unique():
        if not _present(value):
            continue
        text = cell_text(value)
        if text:
            seen[text] = None
            if len(seen) >= limit:
                break
    return list(seen)


def _present(value: Any) -> bool:
    """Faux pour None, NA, NaN et NaT (plus rapide que `dropna` colonne par colonne)."""
    if value is None or value is pd.NA:
        return False
    try:
        return bool(value == value)  # noqa: PLR0124 (NaN et NaT diffèrent d'eux-mêmes)
    except (TypeError, ValueError):  # valeur composée (liste…) : présente
        return True


def personal_fragments(s: pd.Series) -> int:
    """Nombre de cellules de texte qui contiennent un e-mail, un numéro de téléphone, un NIR ou
    un IBAN, même au milieu d'un texte libre (« rappeler au 06 12 34 56 78 »).

    Examples
    --------
    >>> personal_fragments(pd.Series(["ok", "écrire à a.b@exemple.fr", None, 3]))
    1
    """
    return sum(1 for v in s.tolist() if isinstance(v, str) and has_personal(v))


def personal_findings(df: pd.DataFrame) -> list[str]:
    """Colonnes d'un tableau à publier où une donnée personnelle est soupçonnée, décrites en
    français (« « contact » (e-mail) », « « note » (2 cellule(s) contenant … ) ») ; jamais
    une valeur. Liste vide : rien de soupçonné.

    Une colonne est retenue par son nom ou ses valeurs (`detect_personal_data`), ou parce
    qu'au moins une de ses cellules de texte contient un e-mail, un téléphone, un NIR ou un
    IBAN (`personal_fragments`).

    Examples
    --------
    >>> personal_findings(pd.DataFrame({"axe": ["Gouvernance"], "note": ["voir a@b.fr"]}))
    ['« note » (1 cellule(s) contenant un e-mail, un téléphone, un NIR ou un IBAN)']
    """
    found = []
    for position, column in enumerate(df.columns):
        col = df.iloc[:, position]
        kind = detect_personal_data(col, column)
        if kind:
            found.append(f"« {column} » ({kind})")
            continue
        leaks = personal_fragments(col)
        if leaks:
            found.append(f"« {column} » ({leaks} cellule(s) contenant un e-mail, un téléphone, "
                         "un NIR ou un IBAN)")
    return found


def mask_personal_fragments(text: str, mask: str = "[donnée personnelle masquée]") -> str:
    """Remplace dans un texte libre chaque e-mail, numéro de téléphone, NIR ou IBAN par `mask`
    (repérage en temps linéaire de `kit._gate.mask_personal`).

    Examples
    --------
    >>> mask_personal_fragments("écrire à a.b@exemple.fr ou au 06 12 34 56 78")
    'écrire à [donnée personnelle masquée] ou au [donnée personnelle masquée]'
    """
    masked, _ = mask_personal(text)
    return masked.replace("[masqué]", mask)


def _kind(s: pd.Series, declared: str | None) -> str:
    if declared:
        return declared
    if pd.api.types.is_bool_dtype(s.dtype):
        return "booleen"
    if pd.api.types.is_integer_dtype(s.dtype):
        return "entier"
    if pd.api.types.is_numeric_dtype(s.dtype):
        return "nombre"
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return "date"
    return "texte"


def _examples(s: pd.Series, n: int = 3) -> str | None:
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
        common = list(as_text(s).dropna().value_counts().index[:50])
    else:  # même texte que `as_text`, sans le coût fixe de pandas pour chaque colonne
        counts = Counter(text for text in map(cell_text, filter(_present, s.tolist())) if text)
        common = [text for text, _count in counts.most_common(50)]
    safe = [v for v in common if not has_personal(v)][:n]
    return " ; ".join(v if len(v) <= 40 else v[:39] + "…" for v in safe) or None


@dataclass
class Profile:
    """Profil de qualité d'un tableau.

    Attributes
    ----------
    columns
        Une ligne par colonne : colonne, type, remplissage_pct, valeurs_distinctes, exemples,
        min, max, date_la_plus_recente, donnees_personnelles.
    summary
        lignes, colonnes, lignes_dupliquees, completude_pct, date_la_plus_recente,
        colonnes_donnees_personnelles.
    """

    columns: pd.DataFrame
    summary: dict[str, Any]

    def to_text(self) -> str:
        """Résumé du profil en texte brut (ligne de commande)."""
        s = self.summary
        perso = ", ".join(f"{c} ({k})" for c, k in s["colonnes_donnees_personnelles"].items())
        lines = [
            f"Lignes : {s['lignes']} ; colonnes : {s['colonnes']}",
            f"Lignes en double : {s['lignes_dupliquees']}",
            f"Complétude : {fmt_percent(s['completude_pct'], 1)}",
            f"Date la plus récente : {_date(s['date_la_plus_recente'])}",
            f"Données personnelles soupçonnées : {perso or 'aucune'}",
            "",
            "Colonnes :",
        ]
        for row in self.columns.itertuples(index=False):
            extra = f", données personnelles : {row.donnees_personnelles}" \
                if row.donnees_personnelles else ""
            lines.append(f"- {row.colonne} ({row.type}) : rempli à {fmt_percent(row.remplissage_pct, 1)}, "
                         f"{row.valeurs_distinctes} valeur(s) distincte(s){extra}")
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        esc = html.escape
        s = self.summary
        perso = ", ".join(f"{c} ({k})" for c, k in s["colonnes_donnees_personnelles"].items())
        head = (f"<p><strong>{s['lignes']} lignes, {s['colonnes']} colonnes</strong> ; "
                f"lignes en double : {s['lignes_dupliquees']} ; complétude : "
                f"{esc(fmt_percent(s['completude_pct'], 1))} ; date la plus récente : "
                f"{esc(_date(s['date_la_plus_recente']))} ; données personnelles "
                f"soupçonnées : {esc(perso or 'aucune')}</p>")
        cols = list(self.columns.columns)
        th = "".join(f"<th>{esc(c)}</th>" for c in cols)
        rows = "".join(
            "<tr>" + "".join(f"<td>{esc(_cell(v))}</td>" for v in rec) + "</tr>"
            for rec in self.columns.itertuples(index=False))
        return (f'<div class="kit-profil">{head}<table><thead><tr>{th}</tr></thead>'
                f"<tbody>{rows}</tbody></table></div>")


def _date(x: Any) -> str:
    return "—" if x is None or pd.isna(x) else pd.Timestamp(x).strftime("%d/%m/%Y")


def _cell(v: Any) -> str:
    if v is None or (not isinstance(v, (str, list, dict)) and pd.isna(v)):
        return ""
    if isinstance(v, pd.Timestamp):
        return _date(v)
    return str(v)


def profile(df: pd.DataFrame) -> Profile:
    """Profil de qualité d'un tableau (sans schéma).

    Parameters
    ----------
    df
        Tableau, idéalement issu de `load_table` (les types détectés au chargement, dans
        `attrs["source"]["types"]`, sont repris).

    Returns
    -------
    Profile
        `columns` (une ligne par colonne) et `summary` ; s'affiche dans un notebook.

    Examples
    --------
    >>> p = profile(pd.DataFrame({"courriel": ["a@exemple.fr", None], "n": [1, 1]}))
    >>> p.summary["colonnes_donnees_personnelles"], p.columns["exemples"].tolist()
    ({'courriel': 'e-mail'}, [None, '1'])
    """
    src = df.attrs.get("source") or {}
    declared = src.get("types") or {}
    n = len(df)
    records = []
    filled_cells = 0
    for col in df.columns:
        s = df[col]
        filled = ~_parse.is_blank(s)
        filled_cells += int(filled.sum())
        personal = detect_personal_data(s, col)
        is_date = pd.api.types.is_datetime64_any_dtype(s.dtype)
        ordered = is_date or (pd.api.types.is_numeric_dtype(s.dtype)
                              and not pd.api.types.is_bool_dtype(s.dtype))
        hide = personal is not None
        records.append({
            "colonne": str(col),
            "type": _kind(s, declared.get(col)),
            "remplissage_pct": round(100 * filled.mean(), 1) if n else None,
            "valeurs_distinctes": int(s[filled].nunique()),
            "exemples": None if hide else _examples(s),
            "min": s.min() if ordered and not hide and filled.any() else None,
            "max": s.max() if ordered and not hide and filled.any() else None,
            "date_la_plus_recente": s.max() if is_date and not hide and filled.any() else None,
            "donnees_personnelles": personal,
        })
    columns = pd.DataFrame(records, columns=[
        "colonne", "type", "remplissage_pct", "valeurs_distinctes", "exemples", "min", "max",
        "date_la_plus_recente", "donnees_personnelles"], dtype=object)
    columns["remplissage_pct"] = columns["remplissage_pct"].astype("float64")
    columns["valeurs_distinctes"] = columns["valeurs_distinctes"].astype("int64")
    dates = [d for d in columns["date_la_plus_recente"] if d is not None and not pd.isna(d)]
    summary = {
        "lignes": n,
        "colonnes": len(df.columns),
        "lignes_dupliquees": int(df.duplicated().sum()) if n else 0,
        "completude_pct": round(100 * filled_cells / (n * len(df.columns)), 1)
        if n and len(df.columns) else None,
        "date_la_plus_recente": max(dates) if len(dates) else None,
        "colonnes_donnees_personnelles": {
            r.colonne: r.donnees_personnelles for r in columns.itertuples()
            if isinstance(r.donnees_personnelles, str)},
    }
    return Profile(columns, summary)
