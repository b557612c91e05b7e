"""Porte de sortie unique : tout ce que le kit montre ou écrit passe par ici.

- `escape_html` : toute valeur venue des données ou de la configuration qui atteint du HTML
  (tableau de rapport, texte de graphique, synthèse en Markdown) ;
- `neutralise_cell` / `neutralise_frame` : tout CSV ou classeur écrit (injection de formule,
  recommandations de l'OWASP « CSV Injection ») ;
- `mask_personal` / `mask_frame` : données personnelles (e-mail, téléphone, NIR, IBAN)
  remplacées par « [masqué] » avant affichage ou enregistrement ; la liste des cellules
  masquées ne contient jamais la valeur.

La reconnaissance des données personnelles vit dans `kit._personal` (temps linéaire).
"""

from __future__ import annotations

import html
import re
from typing import Any

import pandas as pd

from kit._personal import find_personal

__all__ = ["MASK", "escape_html", "markdown_text", "mask_frame", "mask_personal", "masked_note",
           "neutralise_cell", "neutralise_frame", "plotly_safe", "plotly_text", "protect_table",
           "seal_table"]

#: Ce qui remplace une donnée personnelle.
MASK = "[masqué]"

#: Premiers caractères qu'un tableur peut lire comme le début d'une formule (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Un nombre écrit en texte : signe, chiffres (groupés par trois avec une espace, une espace
# insécable ou une espace fine), décimales après une virgule ou un point, exposant, « % ».
_NUMBER = re.compile(
    r"[+-]?(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})++|\d++)(?:[.,]\d++)?(?:[eE][+-]?\d{1,3})?"
    r"(?:[ \u00a0\u202f]?%)?")
# Indice bon marché qu'une cellule peut contenir une donnée personnelle.
_HINT = re.compile(r"[@\d]")
#: mot d'une cellule (lettres, apostrophe, trait d'union) : pour reconnaître des noms propres seuls
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_CAPTION_CSS = "caption-side: bottom; text-align: left; font-style: italic; color: #3a3a3a"
# Balises que le kit écrit lui-même dans les textes plotly, rétablies après échappement : sans
# attribut, ou un style fait seulement de lettres (couleurs « #B34000 » comprises), chiffres,
# « # : ; - . » et espaces (pas d'URL possible sans parenthèses).
_PLOTLY_TAGS = re.compile(
    r"&lt;(/?(?:b|i|br|sup|sub|extra)|/span|span style='[a-zA-Z0-9#:;. -]{0,80}')&gt;")
#: Clés d'une figure plotly (JSON) dont les textes sont affichés.
PLOTLY_TEXT_KEYS = frozenset({
    "text", "hovertext", "name", "title", "x", "y", "z", "theta", "labels", "parents",
    "customdata", "ticktext", "categoryarray", "values", "hovertemplate", "texttemplate"})


def escape_html(value: object) -> str:
    """Texte sûr à placer dans du HTML : ``& < > " '`` remplacés par leurs entités.

    Parameters
    ----------
    value
        Valeur quelconque (texte, nombre, date…) venue des données ou de la configuration.
        None donne une chaîne vide.

    Returns
    -------
    str
        Texte échappé, guillemets compris (utilisable aussi dans un attribut).

    Examples
    --------
    >>> escape_html('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    >>> escape_html(None), escape_html(12.5)
    ('', '12.5')
    """
    if value is None:
        return ""
    return html.escape(str(value), quote=True)


def markdown_text(text: str) -> str:
    """Synthèse en Markdown sûre à afficher (``IPython.display.Markdown``, rapport HTML) :
    données personnelles masquées, puis ``& < >`` échappés.

    Le Markdown du kit n'écrit jamais de HTML : échapper tout le texte revient à échapper
    chaque valeur venue des données ou de la configuration (titre, service, libellé…), qui ne
    peut plus y glisser de balise. Le rendu Markdown redonne « < », « > » et « & » à l'écran.

    Examples
    --------
    >>> markdown_text("**Cas retenu : <script>x</script>** (contact : a.b@exemple.fr)")
    '**Cas retenu : &lt;script&gt;x&lt;/script&gt;** (contact : [masqué])'
    """
    return html.escape(mask_personal(text)[0], quote=False)


def neutralise_cell(value: Any) -> Any:
    """Cellule sûre à écrire dans un CSV ou un classeur (pas de formule exécutée à l'ouverture).

    Un texte qui commence par ``=``, ``+``, ``-``, ``@``, une tabulation ou un retour chariot
    reçoit une apostrophe devant lui (recommandation OWASP « CSV Injection ») : le tableur
    l'affiche comme du texte au lieu de l'exécuter.

    Hypothèse : un nombre écrit en texte n'est pas une formule et reste tel quel : « -2 »,
    « -12,5 », « -1 234,5 » (espace, espace insécable ou espace fine entre milliers),
    « +33 », « -1.5e3 », « -12,5 % ». Un tableur les lit comme des nombres, sans rien
    exécuter. En revanche « -2+3 », « +33 6 12 34 56 78 » ou « =1 » ne sont pas des nombres
    et sont neutralisés. Les valeurs qui ne sont pas du texte (nombres, dates, vides) ne sont
    jamais modifiées.

    Parameters
    ----------
    value
        Valeur d'une cellule.

    Returns
    -------
    Any
        La même valeur, ou le texte précédé d'une apostrophe.

    Examples
    --------
    >>> neutralise_cell('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_cell("-2+3"), neutralise_cell("-1 234,5"), neutralise_cell(-2)
    ("'-2+3", '-1 234,5', -2)
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value


def _neutralise_labels(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return index.map(lambda key: tuple(neutralise_cell(k) for k in key))
    return index.map(neutralise_cell)


def _is_text(s: pd.Series) -> bool:
    return (s.dtype == object or isinstance(s.dtype, (pd.StringDtype, pd.CategoricalDtype)))


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Copie de `df` sûre à écrire en CSV ou en classeur : chaque cellule de texte, chaque nom
    de colonne et chaque étiquette de texte de l'index passent par `neutralise_cell`.

    Les colonnes catégorielles deviennent des colonnes de texte (object).

    Parameters
    ----------
    df
        Tableau à écrire ; il n'est pas modifié.

    Returns
    -------
    pandas.DataFrame
        Copie neutralisée (mêmes types pour les colonnes de texte et de nombres).

    Examples
    --------
    >>> neutralise_frame(pd.DataFrame({"=a": ["@SUM(1)", "ok"], "n": [-1, 2]})).to_dict("list")
    {"'=a": ["'@SUM(1)", 'ok'], 'n': [-1, 2]}
    """
    out = df.copy()
    for position in range(out.shape[1]):
        s = out.iloc[:, position]
        if not _is_text(s):
            continue
        values = [neutralise_cell(v) for v in s.tolist()]
        dtype = object if isinstance(s.dtype, pd.CategoricalDtype) else s.dtype
        out.isetitem(position, pd.Series(values, index=s.index, dtype=dtype))
    out.columns = _neutralise_labels(out.columns)
    if out.index.dtype == object or isinstance(out.index.dtype, pd.StringDtype):
        out.index = _neutralise_labels(out.index)
    return out


def mask_personal(text: str) -> tuple[str, list[str]]:
    """Remplace dans un texte chaque e-mail, téléphone, NIR ou IBAN par « [masqué] ».

    Parameters
    ----------
    text
        Texte libre. Une valeur qui n'est pas du texte est rendue telle quelle.

    Returns
    -------
    tuple[str, list[str]]
        Le texte masqué et les natures trouvées (sans doublon, dans l'ordre du texte).

    Examples
    --------
    >>> mask_personal("rappeler au 06 12 34 56 78 ou écrire à a.b@exemple.fr")
    ('rappeler au [masqué] ou écrire à [masqué]', ['téléphone', 'e-mail'])

    Une cellule qui, hors de ces valeurs, ne contient que des noms propres (deux à quatre mots
    à majuscule : prénom et nom) est la fiche d'une personne : elle est masquée en entier.

    >>> mask_personal("Jean Dupont, jean.dupont@exemple.fr, 06 12 34 56 78")
    ('[masqué]', ['e-mail', 'téléphone'])
    """
    if not isinstance(text, str) or not _HINT.search(text):
        return text, []
    found = find_personal(text)
    if not found:
        return text, []
    kinds = list(dict.fromkeys(kind for _s, _e, kind in found))
    rest = "".join(text[a:b] for a, b in zip([0] + [e for _s, e, _k in found],
                                            [s for s, _e, _k in found] + [len(text)]))
    words = _WORD.findall(rest)
    if 2 <= len(words) <= 4 and all(w[0].isupper() for w in words):
        return MASK, kinds  # coordonnées d'une personne (« Jean Dupont, 06… ») : tout est masqué
    parts, last = [], 0
    for start, end, _kind in found:
        parts.append(text[last:start])
        parts.append(MASK)
        last = end
    parts.append(text[last:])
    return "".join(parts), kinds


def _plain(label: Any) -> Any:
    return label.item() if hasattr(label, "item") else label


def mask_frame(df: pd.DataFrame) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Copie de `df` où chaque donnée personnelle reconnue dans une cellule de texte (ou dans un
    nom de colonne) est remplacée par « [masqué] ».

    Seul ce qui se reconnaît dans la cellule elle-même est masqué (e-mail, téléphone, NIR,
    IBAN) ; une colonne suspecte par son seul nom (« Nom », « Date de naissance ») relève de
    `kit.quality.detect_personal_data`.

    Parameters
    ----------
    df
        Tableau à montrer ou à enregistrer ; il n'est pas modifié.

    Returns
    -------
    tuple[pandas.DataFrame, list[dict]]
        La copie masquée et la liste des cellules masquées, chacune
        ``{"ligne": étiquette de la ligne, "colonne": nom (masqué) de la colonne,
        "nature": "e-mail, téléphone"}`` ; ``ligne`` vaut None pour un nom de colonne.
        Jamais la valeur masquée.

    Examples
    --------
    >>> masked, cells = mask_frame(pd.DataFrame({"note": ["ok", "tél. 06 12 34 56 78"]}))
    >>> masked["note"].tolist(), cells
    (['ok', 'tél. [masqué]'], [{'ligne': 1, 'colonne': 'note', 'nature': 'téléphone'}])
    """
    out = df.copy()
    cells: list[dict[str, Any]] = []
    labels = []
    for label in out.columns:
        new, kinds = mask_personal(label)
        labels.append(new)
        if kinds:
            cells.append({"ligne": None, "colonne": new, "nature": ", ".join(kinds)})
    for position in range(out.shape[1]):
        s = out.iloc[:, position]
        if not _is_text(s):
            continue
        values = s.tolist()
        changed = False
        for i, value in enumerate(values):
            new, kinds = mask_personal(value)
            if kinds:
                values[i] = new
                changed = True
                cells.append({"ligne": _plain(s.index[i]), "colonne": labels[position],
                              "nature": ", ".join(kinds)})
        if changed:
            dtype = object if isinstance(s.dtype, pd.CategoricalDtype) else s.dtype
            out.isetitem(position, pd.Series(values, index=s.index, dtype=dtype))
    if any(new is not old for new, old in zip(labels, out.columns)):
        out.columns = pd.Index(labels, dtype=object)
    return out, cells


def masked_note(cells: list[dict[str, Any]], limit: int = 10) -> str | None:
    """Note en français qui dit quelles cellules ont été masquées (jamais leur valeur).

    Parameters
    ----------
    cells
        Liste rendue par `mask_frame`.
    limit
        Nombre maximal de lignes citées par colonne.

    Returns
    -------
    str | None
        Texte brut (à échapper avant de le placer dans du HTML), ou None si rien n'a été masqué.

    Examples
    --------
    >>> masked_note([{"ligne": 3, "colonne": "note", "nature": "e-mail"}])
    'Données personnelles masquées : colonne « note », ligne 3 (e-mail).'
    """
    if not cells:
        return None
    by_column: dict[str, tuple[list[str], dict[str, None]]] = {}
    for cell in cells:
        rows, kinds = by_column.setdefault(str(cell["colonne"]), ([], {}))
        rows.append("en-tête" if cell["ligne"] is None else str(cell["ligne"]))
        kinds.update(dict.fromkeys(str(cell["nature"]).split(", ")))
    parts = []
    for column, (rows, kinds) in by_column.items():
        shown = ", ".join(rows[:limit]) + (f" et {len(rows) - limit} autre(s)"
                                          if len(rows) > limit else "")
        word = "ligne" if len(rows) == 1 else "lignes"
        parts.append(f"colonne « {column} », {word} {shown} ({', '.join(kinds)})")
    return "Données personnelles masquées : " + " ; ".join(parts) + "."


def protect_table(df: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """Tableau à afficher, données personnelles masquées, et la note qui le dit.

    Returns
    -------
    tuple[pandas.DataFrame, str | None]
        Copie (index renuméroté) où chaque e-mail, téléphone, NIR ou IBAN reconnu dans une
        cellule est remplacé par « [masqué] », et la note en français qui nomme les cellules
        masquées (« ligne 2 » = deuxième ligne du tableau), jamais leur valeur ; None si rien
        n'a été masqué.
    """
    masked, cells = mask_frame(df.reset_index(drop=True))
    for cell in cells:
        if cell["ligne"] is not None:
            cell["ligne"] = int(cell["ligne"]) + 1
    return masked, masked_note(cells)


def seal_table(styler: Any, note: str | None = None) -> Any:
    """Dernière étape de tout tableau affiché : en-têtes et index échappés (HTML), et la note
    des cellules masquées sous le tableau.

    Les cellules, elles, s'échappent par ``Styler.format(..., escape="html")`` à chaque
    mise en forme (une mise en forme posée après remplace la précédente).
    """
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    if note:
        styler = styler.set_caption(escape_html(note)).set_table_styles(
            [{"selector": "caption", "props": _CAPTION_CSS}], overwrite=False)
    return styler




def plotly_text(value: str) -> str:
    """Texte sûr pour plotly : données personnelles masquées (comme dans les tableaux), puis
    ``& < >`` échappés, sauf les balises de mise en forme que le kit écrit lui-même (``<br>``,
    ``<b>``, ``<i>``, ``<sup>``, ``<sub>``, ``<extra>``, et un ``<span style='…'>`` sans URL
    possible).

    plotly.js dessine une partie du HTML des titres, étiquettes et infobulles (liens compris) ;
    une valeur venue d'un tableur n'y est plus qu'un texte. Les apostrophes restent telles
    quelles (« Communauté d'agglomération »).

    Examples
    --------
    >>> print(plotly_text("Taux<br><sup><a href='x'>clic</a> & <img src=x></sup>"))
    Taux<br><sup>&lt;a href='x'&gt;clic&lt;/a&gt; &amp; &lt;img src=x&gt;</sup>
    >>> print(plotly_text("<span style='color:#B34000'>■ en retard</span>"))
    <span style='color:#B34000'>■ en retard</span>
    >>> plotly_text("Direction de l'eau (a.b@exemple.fr)")
    "Direction de l'eau ([masqué])"
    """
    return _PLOTLY_TAGS.sub(r"<\1>", html.escape(mask_personal(value)[0], quote=False))


def plotly_safe(figure: Any, key: str = "") -> Any:
    """Copie d'une figure plotly sous forme JSON (``json.loads(pio.to_json(fig))``) où chaque
    texte affiché (titres, étiquettes, catégories, infobulles, cellules) passe par
    `plotly_text`. Les figures passent par ici une seule fois, à l'affichage et à
    l'enregistrement (`kit.charts.show`, `figure_html`, `save`) : n'échappez pas les valeurs
    vous-même en construisant une figure.

    Examples
    --------
    >>> plotly_safe({"data": [{"y": ["<b>A</b> & B", 2]}], "layout": {"title": {"text": "<i>x"}}})
    {'data': [{'y': ['<b>A</b> &amp; B', 2]}], 'layout': {'title': {'text': '<i>x'}}}
    """
    if isinstance(figure, dict):
        return {k: plotly_safe(v, k) for k, v in figure.items()}
    if isinstance(figure, list):
        return [plotly_safe(v, key) for v in figure]
    if isinstance(figure, str) and key in PLOTLY_TEXT_KEYS:
        return plotly_text(figure)
    return figure
