"""Totals vérifiés par le calcul, pas seulement par leur libellé.

Une ligne dont les cellules numériques valent la somme des lignes de données au-dessus d'elle,
depuis le début de son bloc (l'en-tête, un en-tête répété ou le total précédent), est un
sous-total, quel que soit son libellé ; un total général vaut la somme de toutes les lignes de
données ou celle des sous-totaux. Une ligne libellée « Total » qui ne s'additionne pas est
signalée comme un doute. Une colonne « Total » (mois + total) est vérifiée ligne à ligne.

Hypothèse : une ligne de total laisse vide au moins une des cellules de texte (identifiants,
libellés) que les lignes de données remplissent, ou porte un mot de total ; une ligne
complète qui vaut la somme des précédentes (tableau long : « tous âges », « Recettes totales »)
reste une donnée.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kit._parse import Distinct, normalize_label, parse_numbers

#: lignes de données au-delà desquelles on ne cherche plus de libellé de total hors des trois
#: premières colonnes (le calcul reste fait)
_SCAN_LABELS_MAX = 20000
#: colonnes de texte au-delà desquelles on ne lit plus les nombres écrits en texte
_PARSE_TEXT_MAX = 50000
_TOTAL_WORD = re.compile(
    r"(^|_)(sous_?total(?:e|es|aux|s)?|total(?:e|es|aux|s)?|ensemble|cumul|somme)(_|$)")
_MEAN_WORD = re.compile(r"(^|_)(moyennes?|moy)(_|$)")
_CODE_LABEL = re.compile(
    r"(^|_)(code|id|siren|siret|insee|cp|postal|annee|exercice|date|numero|n|no|num|ref)($|_)")


def _decimals(v: float) -> int:
    for d in range(7):
        if abs(round(v, d) - v) < 1e-9 * max(1.0, abs(v)):
            return d
    return 7


def tolerance(v: np.ndarray) -> np.ndarray:
    """Écart admis entre un total écrit `v` et la somme calculée : le centime, ou l'arrondi du
    fichier (un total écrit sans décimale admet ±0,5), plus le bruit des flottants."""
    half = np.array([0.5 * 10.0 ** -_decimals(float(x)) if np.isfinite(x) else 0.0 for x in v])
    return np.maximum(half, 0.005) + 1e-9 * np.abs(np.nan_to_num(v))


def _numbers(col: pd.Series) -> np.ndarray:
    """Nombres d'une colonne brute (NaN ailleurs) ; les codes « 01 » ne sont pas des nombres."""
    if col.dtype.kind in "iuf":
        return col.to_numpy(dtype="float64", na_value=np.nan)
    if col.dtype == object:
        vals = col.to_numpy()
        out = np.fromiter(
            (float(v) if type(v) in (int, float) or isinstance(v, (np.integer, np.floating))
             else np.nan for v in vals), float, len(vals))
        texts = np.fromiter((type(v) is str for v in vals), bool, len(vals))
    elif isinstance(col.dtype, pd.StringDtype):
        out = np.full(len(col), np.nan)
        texts = col.notna().to_numpy()
    else:
        return np.full(len(col), np.nan)
    if texts.any() and len(col) <= _PARSE_TEXT_MAX:
        text = col[texts].astype("str")
        sample = text.iloc[:200]
        if texts.sum() > 0.1 * col.notna().sum() and sample.str.fullmatch(
                r"[-+(−]?\s*\d[\d \u00a0\u202f.,']*\)?\s*(%|€)?").fillna(False).mean() < 0.5:
            return out  # colonne de textes : ce ne sera pas une colonne de mesures
        zero = text.str.match(r"^[+-]?0\d").fillna(False).to_numpy(dtype=bool)
        parsed = parse_numbers(text).values.to_numpy(dtype="float64", na_value=np.nan).copy()
        parsed[zero] = np.nan
        out[np.flatnonzero(texts)] = parsed
    return out


def numeric_columns(body: pd.DataFrame, labels: list[str], rows: np.ndarray
                    ) -> tuple[list[int], np.ndarray]:
    """Colonnes de mesures (positions) et leurs nombres : au moins 90 % des cellules non vides
    des lignes `rows` sont des nombres ; codes, années et dates exclus d'après le libellé."""
    keep, mats = [], []
    for j in range(body.shape[1]):
        label = normalize_label(labels[j] if j < len(labels) else "")
        if label and _CODE_LABEL.search(label):
            continue
        col = body.iloc[:, j]
        nums = _numbers(col)
        filled = col.notna().to_numpy()[rows]
        n_num = int(np.isfinite(nums[rows]).sum())
        if n_num and n_num >= 0.9 * int(filled.sum()):
            keep.append(j)
            mats.append(nums)
    if not mats:
        return [], np.empty((len(body), 0))
    return keep, np.column_stack(mats)


def _label_hits(body: pd.DataFrame, distinct: Distinct | None = None) -> np.ndarray:
    """Lignes portant un mot de total dans une cellule de texte (n'importe quelle colonne).

    Travaille sur les valeurs distinctes de chaque colonne de texte (celles de `distinct`
    quand elles sont déjà connues) ; une colonne de plus de `_LABELS_DISTINCT_MAX` valeurs
    distinctes (texte libre, identifiants) n'est pas lue.
    """
    hit = np.zeros(len(body), dtype=bool)
    for c, col in body.items():
        if isinstance(col.dtype, pd.StringDtype):
            uniq = distinct.uniques(c, col) if distinct is not None else pd.Series(
                col.dropna().unique(), dtype=col.dtype)
        elif col.dtype == object:  # cellules d'un tableur : seuls les textes comptent
            uniq = pd.Series(list({v for v in col.tolist() if type(v) is str}), dtype="str")
        else:
            continue
        if len(uniq) > _LABELS_DISTINCT_MAX or uniq.empty:
            continue
        hint = uniq[uniq.str.contains(_HINT.pattern, regex=True).fillna(False).to_numpy(bool)]
        found = {u for u in hint.tolist() if _TOTAL_WORD.search(normalize_label(u))}
        if found:
            hit[col.isin(found).to_numpy(dtype=bool)] = True
    return hit


_HINT = re.compile(r"(?i)tota|ensemble|cumul|somme")
_LABELS_DISTINCT_MAX = 5000


def _matches(v: np.ndarray, s: np.ndarray, labelled: bool = False,
             free: np.ndarray | None = None) -> bool:
    """Les cellules remplies de `v` valent `s` (à l'arrondi du fichier), au moins une non nulle
    (des zéros partout ne prouvent rien, sauf pour une ligne libellée « total »). `free` :
    colonnes de taux ou de moyennes dont la valeur a déjà été reconnue comme une moyenne
    (comprise entre le plus petit et le plus grand nombre des lignes) : pas comparées."""
    ok = np.isfinite(v) if free is None else np.isfinite(v) & ~free
    if not ok.any() or not (labelled or (np.abs(s[ok]) > 0).any()):
        return False
    return bool((np.abs(v[ok] - s[ok]) <= tolerance(v[ok])).all())


_RATIO_LABEL = re.compile(
    r"(^|_)(taux|pourcentage|pct|part|parts|moyenne|moyen|moyens|ratio|unitaire|indice|"
    r"evolution|variation|densite)($|_)")


def _ratio_columns(body: pd.DataFrame, labels: list[str], cols: list[int]) -> np.ndarray:
    """Colonnes de mesures qui ne s'additionnent pas (taux, parts, moyennes, prix unitaires),
    d'après leur libellé ou leurs valeurs écrites en pourcentage."""
    out = np.zeros(len(cols), dtype=bool)
    for k, j in enumerate(cols):
        label = normalize_label(labels[j] if j < len(labels) else "")
        if _RATIO_LABEL.search(label):
            out[k] = True
            continue
        col = body.iloc[:, j]
        if col.dtype == object or isinstance(col.dtype, pd.StringDtype):
            sample = [v for v in col.iloc[:200].tolist() if isinstance(v, str)]
            out[k] = bool(sample) and sum(v.rstrip().endswith("%") for v in sample) \
                >= 0.5 * len(sample)
    return out


class _Extremes:
    """Plus petit et plus grand nombre des enregistrements de chaque colonne de taux entre deux
    lignes du tableau. Les lignes sont découpées en tranches aux lignes candidates (et aux
    en-têtes répétés) : une requête coûte le nombre de tranches qu'elle couvre, pas de lignes,
    et aucun bloc n'est relu ligne à ligne pour chaque candidate."""

    def __init__(self, mat: np.ndarray, rec: np.ndarray, ratio: np.ndarray, cuts: np.ndarray):
        values = np.where(rec[:, None], mat[:, ratio], np.nan)
        self.cuts = np.unique(np.concatenate(([0], cuts, [len(mat)]))).astype(np.intp)
        first = self.cuts[:-1]
        self.low = np.fmin.reduceat(values, first, axis=0)  # NaN : tranche sans nombre
        self.high = np.fmax.reduceat(values, first, axis=0)

    def between(self, lo: int, r: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = np.searchsorted(self.cuts, [lo, r])
        return np.fmin.reduce(self.low[a:b], axis=0), np.fmax.reduce(self.high[a:b], axis=0)


def _averaged(extremes: _Extremes | None, lo: int, r: int, v: np.ndarray,
              ratio: np.ndarray) -> np.ndarray | None:
    """Colonnes de taux où la ligne `r` porte une moyenne des lignes `lo`…`r` (valeur comprise
    entre leur plus petit et leur plus grand nombre) ; None s'il n'y en a pas."""
    if extremes is None or r - lo < 2:
        return None
    low, high = extremes.between(lo, r)
    if not np.isfinite(low).any():
        return None
    x = v[ratio]
    tol = tolerance(x)  # l'arrondi du total écrit (« 82 % » admet ±0,5 point)
    inside = np.isfinite(x) & (x >= low - tol) & (x <= high + tol)
    free = np.zeros(len(v), dtype=bool)
    free[np.flatnonzero(ratio)[inside]] = True
    return free


def check_rows(body: pd.DataFrame, motif: np.ndarray, labels: list[str], present: np.ndarray,
               distinct: Distinct | None = None) -> tuple[np.ndarray, list[dict]]:
    """Repère et vérifie les lignes de total.

    `motif` : codes de `kit.io._junk.REASONS` (0 donnée, 2 en-tête répété, 3 total, 4 séparateur) ;
    renvoie les codes mis à jour (sous-totaux trouvés par le calcul → 3) et, par ligne de
    total, un compte rendu : ligne, genre (« sous-total », « total », « moyenne »), vérifié
    ou non, comment (« libellé » ou « calcul »), lignes additionnées.
    """
    motif = motif.copy()
    stream = np.flatnonzero(np.isin(motif, (0, 3)))
    if len(stream) < 3:
        return motif, _unverified(body, motif)
    rec = motif == 0
    counts = present.sum(axis=1)
    # sans ligne libellée « total » ni ligne moins remplie que les autres : rien à vérifier
    # (les nombres ne sont lus que s'il le faut : un grand tableau complet coûte peu)
    sparse = rec & (counts < np.median(counts[rec])) if rec.any() else rec
    labelled = rec & _label_hits(body, distinct) \
        if len(body) <= _SCAN_LABELS_MAX else np.zeros(len(body), dtype=bool)
    if not (sparse.any() or labelled.any() or (motif == 3).any()):
        return motif, []
    cols, mat = numeric_columns(body, labels, np.flatnonzero(motif == 0))
    if not cols:
        return motif, _unverified(body, motif)
    other = np.ones(body.shape[1], dtype=bool)
    other[cols] = False
    texts = present[:, other].sum(axis=1)
    typical = float(np.median(texts[rec])) if rec.any() else 0.0
    cand = sparse & (texts < typical)
    if cand.sum() > 5000:  # tableau troué : seules les lignes libellées sont essayées
        cand = np.zeros(len(body), dtype=bool)
    cand |= labelled | (motif == 3)
    ratio = _ratio_columns(body, labels, cols)
    candidates = np.flatnonzero(cand)
    extremes = _Extremes(mat, rec, ratio, np.concatenate((
        candidates, candidates + 1, np.flatnonzero(motif == 2) + 1))) if ratio.any() else None
    vals = np.nan_to_num(mat)
    cum = np.vstack([np.zeros(mat.shape[1]), np.cumsum(np.where(rec[:, None], vals, 0), axis=0)])
    n_rec = np.concatenate([[0], np.cumsum(rec)])
    report: list[dict] = []
    start = grand = 0  # positions où commencent le bloc et le tableau (ou son dernier total)
    removed = np.zeros(mat.shape[1])  # lignes « données » devenues sous-totaux depuis `grand`
    removed_n = 0
    subs, n_subs = np.zeros(mat.shape[1]), 0
    boundaries = np.flatnonzero(motif == 2)
    for r in candidates.tolist():
        before = boundaries[boundaries < r]
        if len(before) and before[-1] >= start:  # en-tête répété : un nouveau bloc commence
            start = int(before[-1]) + 1
        v = mat[r]
        block, n_block = cum[r] - cum[start], n_rec[r] - n_rec[start]
        whole = cum[r] - cum[grand] - removed
        n_whole = n_rec[r] - n_rec[grand] - removed_n
        kind = None
        label = bool(motif[r] == 3)
        if n_block >= 2 and _matches(v, block, label, _averaged(extremes, start, r, v, ratio)):
            kind, rows = "sous-total", (start, r)
        elif n_whole >= 2 or n_subs >= 2:  # les extrêmes du tableau, seulement s'il le faut
            free = _averaged(extremes, grand, r, v, ratio)
            if (n_whole >= 2 and _matches(v, whole, label, free)) or (
                    n_subs >= 2 and _matches(v, subs, label, free)):
                kind, rows = "total", (grand, r)
        if kind is None and motif[r] == 3 and n_block >= 2 and _matches(v, block / n_block):
            kind, rows = "moyenne", (start, r)
        if kind is None:
            if motif[r] == 3:
                report.append(_entry(body, r, "total", False, "libellé", (start, r)))
                start = r + 1
            elif texts[r] == 0 and typical >= 1 and np.isfinite(mat[r]).sum() == counts[r]:
                # que des nombres, sans aucun libellé
                report.append({**_entry(body, r, "ligne sans libellé", False, "calcul",
                                        (start, r)), "gardee": True})
            continue
        count = _announced_count(body, r, other)
        extra = {}
        if count is not None and count not in (n_block, n_whole):
            extra = {"annonce": count,
                     "compte": int(n_block if kind in ("sous-total", "moyenne") else n_whole)}
        by = "libellé" if motif[r] == 3 else "calcul"
        if motif[r] == 0:
            motif[r] = 3
            removed, removed_n = removed + np.nan_to_num(v), removed_n + 1
        report.append({**_entry(body, r, kind, True, by, rows), **extra})
        if kind == "sous-total":
            subs, n_subs = subs + np.nan_to_num(v), n_subs + 1
        elif kind == "total":
            grand, removed, removed_n = r + 1, np.zeros(mat.shape[1]), 0
            subs, n_subs = np.zeros(mat.shape[1]), 0
        start = r + 1
    if report and report[-1]["genre"] == "sous-total" and report[-1]["de"] == _first_record(
            body, 0, 1) and sum(e["verifie"] for e in report) == 1:
        report[-1]["genre"] = "total"  # un seul total, qui couvre tout le tableau
    return motif, report


_COUNT = re.compile(r"(?<![\d.,])(\d{1,6})(?![\d.,/])")


def _announced_count(body: pd.DataFrame, r: int, text_columns: np.ndarray) -> int | None:
    """Nombre de lignes annoncé par un libellé de total (« Total : 25 marchés »), s'il y en a
    un seul dans les cellules de texte de la ligne."""
    found = []
    for j in np.flatnonzero(text_columns):
        v = body.iat[r, j]
        if isinstance(v, str):
            found += [int(x) for x in _COUNT.findall(v) if not 1900 <= int(x) <= 2100]
        elif isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            found.append(int(v))
    return found[0] if len(found) == 1 else None


def _first_record(body: pd.DataFrame, lo: int, hi: int) -> int | None:
    return int(body.index[lo]) if lo < hi else None


def _entry(body: pd.DataFrame, r: int, kind: str, ok: bool, by: str,
           rows: tuple[int, int]) -> dict:
    lo, hi = rows
    return {"ligne": int(body.index[r]), "genre": kind, "verifie": ok, "par": by,
            "de": _first_record(body, lo, hi), "a": int(body.index[hi - 1]) if lo < hi else None}


def _unverified(body: pd.DataFrame, motif: np.ndarray) -> list[dict]:
    return [{"ligne": int(body.index[r]), "genre": "total", "verifie": False, "par": "libellé",
             "de": None, "a": None} for r in np.flatnonzero(motif == 3).tolist()]


def check_columns(df: pd.DataFrame) -> list[dict]:
    """Colonnes de total (« Total », « Consommation totale (MWh) », « Ensemble - Total ») :
    vérifie, ligne à ligne, qu'elles valent la somme de leurs colonnes sœurs.

    Les sœurs d'une colonne « préfixe total suffixe » sont les colonnes numériques de même
    préfixe et de même suffixe (« Consommation Agriculture (MWh) ») ; à défaut, les colonnes
    numériques voisines (à gauche, puis à droite) jusqu'à la colonne de total précédente.
    """
    numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c].dtype)
               and not pd.api.types.is_bool_dtype(df[c].dtype)]
    norm = {c: normalize_label(c) for c in numeric}
    totals = [c for c in numeric if _TOTAL_WORD.search(norm[c])]
    out = []
    for c in totals:
        tries = []
        for m in _TOTAL_WORD.finditer(norm[c]):  # « Ensemble - Total » : deux mots de total
            pre, suf = norm[c][:m.start()].strip("_"), norm[c][m.end():].strip("_")
            sisters = [o for o in numeric if norm[o].startswith(pre) and norm[o].endswith(suf)
                       and norm[o] != norm[c]] if pre or suf else []
            tries += [sisters] if len(sisters) >= 2 else []
        pos = numeric.index(c)
        left = []
        for o in reversed(numeric[:pos]):
            if o in totals:
                break
            left.insert(0, o)
        right = []
        for o in numeric[pos + 1:]:
            if o in totals:
                break
            right.append(o)
        sure = len(tries)  # colonnes sœurs par le libellé ; les voisines ne sont qu'un essai
        tries += [p for p in (left, right) if len(p) >= 2]
        if _TOTAL_WORD.fullmatch(norm[c]) and len(left) >= 2:
            sure = max(sure, tries.index(left) + 1)  # « Total » seul : les colonnes à gauche
        best = None
        for k, parts in enumerate(tries):
            res = _column_check(df, c, parts)
            if res is not None and k >= sure and not res["verifie"]:
                continue
            if res is not None and (best is None or res["lignes_en_ecart"] <
                                    best["lignes_en_ecart"]):
                best = res
            if best is not None and best["verifie"]:
                break
        if best is not None:
            out.append(best)
    return out


def _column_check(df: pd.DataFrame, total: str, parts: list[str]) -> dict | None:
    v = df[total].to_numpy(dtype="float64", na_value=np.nan)
    block = np.column_stack([df[p].to_numpy(dtype="float64", na_value=np.nan) for p in parts])
    rows = np.isfinite(v) & np.isfinite(block).any(axis=1)
    if rows.sum() < 1:
        return None
    s = np.nansum(block[rows], axis=1)
    tol = tolerance(v[rows])
    off = np.abs(v[rows] - s) > tol
    first = df.index[np.flatnonzero(rows)[off]][:1].tolist()
    return {"colonne": total, "parties": list(parts), "verifie": not off.any(),
            "lignes_en_ecart": int(off.sum()), "lignes": int(rows.sum()),
            "exemple": int(first[0]) if first else None}
