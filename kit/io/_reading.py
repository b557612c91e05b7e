"""Compte rendu de lecture d'un tableur : ce que `load_table` a lu, écarté, typé, et ses doutes.

`describe_reading(df)` lit `df.attrs["source"]` (rempli par `kit.io.load_table`) et renvoie un
`Reading` : texte en français (`to_text`, `str`) ou HTML (`_repr_html_`, chaque valeur
échappée). Les doutes (en-tête ambigu, colonne de nombres contenant du texte, total qui ne
s'additionne pas, lignes rejetées, formules sans valeur enregistrée) sont aussi émis à la
lecture comme avertissements `ReadingDoubtWarning`.
"""

from __future__ import annotations

import html
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from kit._parse import PLACEHOLDERS, arrow_array, parse_numbers
from kit.errors import DataError, ReadingDoubtWarning
from kit.io._layout import cell_kind

__all__ = ["Reading", "describe_reading"]

_KINDS = {"total": "totaux", "en-tête répété": "en-têtes répétés", "séparateur": "séparateurs",
          "note": "notes", "titre": "titres"}
_TYPES = {"nombre": "nombre décimal", "entier": "nombre entier", "date": "date",
          "booleen": "oui/non", "code": "code (texte, zéros de tête gardés)", "texte": "texte"}
#: taille au-delà de laquelle on ne cherche pas les formules sans valeur (xlsx)
_FORMULA_SCAN_MAX = 5 << 20
#: une formule de cellule (`<f>…</f>`, `<f …/>` partagée) et la valeur enregistrée qui la suit
_FORMULA = re.compile(rb"<f\b[^>]*?(?:/>|>.*?</f>)", re.DOTALL)
_CACHED = re.compile(rb"\s*<v>[^<]+</v>")


def _where(src: dict) -> str:
    return "lignes" if src.get("format") in ("csv", "txt") else "lignes Excel"


def _rows(numbers: list[int], limit: int = 12) -> str:
    text = ", ".join(str(n) for n in numbers[:limit])
    return text + (f"… (+{len(numbers) - limit})" if len(numbers) > limit else "")


def _line(entry: object) -> object:
    return entry.get("ligne") if isinstance(entry, dict) else entry


def collect_doubts(src: dict) -> list[str]:
    """Doutes de lecture, en français, à partir de `attrs["source"]`."""
    out: list[str] = list(src.get("layout_doubts") or [])
    for t in src.get("totals") or []:
        if "annonce" in t:
            out.append(f"La ligne de total {t['ligne']} annonce {t['annonce']} ligne(s) mais "
                       f"le bloc qu'elle additionne en compte {t['compte']} (lignes {t['de']} "
                       f"à {t['a']}) : des lignes manquent ou sont en trop.")
        elif t.get("gardee"):
            out.append(f"La ligne {t['ligne']} n'a que des nombres, sans code ni libellé, et "
                       "ne vaut la somme d'aucun bloc : total faux ou ligne incomplète ? Elle "
                       "a été gardée comme donnée ; vérifiez-la.")
        elif not t["verifie"]:
            out.append(f"La ligne {t['ligne']} est libellée comme un total mais ses nombres ne "
                       "valent pas la somme des lignes au-dessus (ni du bloc, ni du tableau) : "
                       "vérifiez-la ; elle a été écartée des données.")
    for c in src.get("total_columns") or []:
        if not c["verifie"]:
            out.append(f"La colonne « {c['colonne']} » ne vaut pas la somme de "
                       f"{', '.join('« ' + p + ' »' for p in c['parties'])} sur "
                       f"{c['lignes_en_ecart']} ligne(s) sur {c['lignes']} (par exemple ligne "
                       f"{c['exemple']}).")
    for name, info in (src.get("text_in_numbers") or {}).items():
        out.append(f"La colonne « {name} » contient surtout des nombres mais {info['n']} "
                   f"cellule(s) de texte (par exemple ligne {info['ligne']} : "
                   f"« {info['texte']} ») : elle a été gardée en texte.")
    rejected = src.get("rejected_lines") or []
    if rejected:
        lines = [_line(r) for r in rejected]
        out.append(f"{len(rejected)} ligne(s) du fichier n'ont pas pu être lues (champ en trop, "
                   f"guillemet non fermé…) et ont été rejetées : {_rows(lines)}.")
    glued = src.get("glued_lines") or []
    if glued:
        out.append(f"{len(glued)} ligne(s) avaient un séparateur « {src.get('delimiter')} » non "
                   "protégé dans un texte : il a été rendu au texte, d'après le type des autres "
                   f"colonnes ; vérifiez leurs textes dans le fichier : {_rows(glued)}.")
    unclosed = src.get("unclosed_quotes") or []
    if unclosed:
        out.append(f"{len(unclosed)} ligne(s) ouvrent un guillemet jamais fermé, qui avalait les "
                   f"lignes suivantes : {_rows(unclosed)}. Elles ont été "
                   "relues sans ce guillemet ; vérifiez leurs valeurs dans le fichier.")
    if src.get("uncached_formulas"):
        out.append(f"{src['uncached_formulas']} cellule(s) contiennent une formule enregistrée "
                   "sans sa valeur calculée : elles sont lues vides. Ouvrez le fichier dans "
                   "Excel ou LibreOffice et enregistrez-le pour que les valeurs soient écrites.")
    return out


def warn_doubts(doubts: list[str], where: str) -> None:
    for doubt in doubts:
        warnings.warn(f"{where} : {doubt}", ReadingDoubtWarning, stacklevel=3)


_NUMBERISH = re.compile(r"[-+(−]?\s*\d[\d \u00a0\u202f.,'eE+-]*\)?\s*(%|€)?")


def text_in_numbers(col: pd.Series) -> dict | None:
    """Colonne gardée en texte dont au moins 80 % des valeurs sont des nombres : nombre de
    cellules de texte et un exemple (ligne, texte). None sinon."""
    head = [str(v) for v in pd.unique(col.iloc[:1000].dropna())[:200]]  # test rapide
    if not head or sum(bool(_NUMBERISH.fullmatch(v.strip())) for v in head) < 0.3 * len(head):
        return None
    values = col.dropna()
    if len(values) < 5:
        return None
    uniq = pd.Series(pd.unique(values)).astype("str")  # toutes : un texte tardif compte
    looks = uniq.iloc[:200].str.fullmatch(r"[-+(−]?\s*\d[\d \u00a0\u202f.,'eE+-]*\)?\s*(%|€)?")
    if looks.fillna(False).mean() < 0.5:
        return None
    res = parse_numbers(uniq)
    bad = uniq[res.invalid.to_numpy(dtype=bool)]
    bad = bad[~bad.str.lower().isin(PLACEHOLDERS)]
    if bad.empty or res.values.notna().sum() < 3:
        return None
    text_cells = values.astype("str").isin(set(bad.tolist()))
    n = int(text_cells.sum())
    if n > 0.2 * len(values) or regex_codes(uniq):
        return None
    first = values.index[text_cells.to_numpy()][0]
    return {"n": n, "ligne": int(first), "texte": str(values[first])[:60]}


def restored_zeros(raw: pd.Series, out: pd.Series) -> int:
    """Codes dont le zéro de tête a été rétabli (« 1053 » lu → « 01053 »)."""
    arr = arrow_array(out)
    if arr is not None:  # texte pyarrow : sans passer par l'accesseur `.str`
        zero = pc.fill_null(pc.starts_with(arr, "0"), False).to_numpy(zero_copy_only=False)
    else:
        zero = out.astype("str").str.startswith("0").fillna(False).to_numpy(dtype=bool)
    if not zero.any():
        return 0
    if raw.dtype.kind in "iuf":  # nombres : aucun zéro de tête écrit
        return int(zero.sum())
    before = raw[zero]
    raw_arr = arrow_array(before)
    if raw_arr is not None:
        was = pc.fill_null(pc.starts_with(pc.utf8_ltrim_whitespace(raw_arr), "0"),
                           False).to_numpy(zero_copy_only=False)
    elif isinstance(before.dtype, pd.StringDtype):
        was = before.str.lstrip().str.startswith("0").fillna(False).to_numpy(dtype=bool)
    else:
        was = np.fromiter((str(v).strip().startswith("0") for v in before.tolist()), bool,
                          len(before))
    return int((~was).sum())


#: doute : aucune ligne d'en-tête reconnue
NO_HEADER = ("Aucune ligne d'en-tête reconnue : les colonnes sont nommées par leur lettre "
             "(« Colonne A », « Colonne B »…). Si le fichier a un en-tête, indiquez sa ligne "
             "(header=… à l'appel, ou « entete » dans l'entrée du fichier de la configuration).")


def header_doubts(raw: pd.DataFrame, start: int, n: int, first: int) -> list[str]:
    """La ligne au-dessus de l'en-tête retenu ressemble aussi à un en-tête (au moins deux
    libellés de texte, la moitié des colonnes de l'en-tête)."""
    header = [v for v in raw.iloc[start].tolist() if cell_kind(v) != "vide"]

    def looks_like_header(pos: int) -> bool:
        cells = [v for v in raw.iloc[pos].tolist() if cell_kind(v) != "vide"]
        return len(cells) >= max(2, 0.5 * len(header)) and len({str(v) for v in cells}) == len(
            cells) and all(cell_kind(v) == "texte" for v in cells)

    if start >= 1 and looks_like_header(start - 1):
        number = int(raw.index[start - 1])
        return [(f"Deux lignes peuvent servir d'en-tête : la ligne {number} et la ligne {first} "
                 f"(retenue). Si l'en-tête est la ligne {number}, indiquez header={number} (ou "
                 f"header=[{number}, {first}] s'il tient sur les deux).")]
    below = start + n
    if below < len(raw) and looks_like_header(below):
        row = raw.iloc[below].tolist()
        data = raw.iloc[below + 1: below + 21]
        for j, v in enumerate(row):
            kinds = [cell_kind(x) for x in data.iloc[:, j].tolist()]
            filled = [k for k in kinds if k != "vide"]
            if cell_kind(v) == "texte" and filled and sum(
                    k == "nombre" for k in filled) >= 0.8 * len(filled):
                number = int(raw.index[below])
                return [(f"Deux lignes peuvent servir d'en-tête : la ligne {first} (retenue) et "
                         f"la ligne {number}, gardée comme donnée alors que ses libellés "
                         f"surmontent des nombres. Si l'en-tête est la ligne {number}, indiquez "
                         f"header={number} (ou header=[{first}, {number}]).")]
    return []


def regex_codes(uniq: pd.Series) -> bool:
    """Valeurs à zéros de tête (« 01 ») : une colonne de codes, pas de nombres."""
    return bool(uniq.str.fullmatch(r"0\d+").fillna(False).any())


def formula_members(data: bytes) -> str:
    """Préfixe des membres d'archive à garder pour `uncached_formulas` (vide : aucun)."""
    return "xl/worksheets/" if len(data) <= _FORMULA_SCAN_MAX else ""


def uncached_formulas(data: bytes, sheet: str, members: dict[str, bytes] | None = None
                      ) -> int | None:
    """Cellules à formule (`<f>`) sans valeur enregistrée (`<v>`) dans la feuille `sheet`
    d'un petit classeur xlsx ; None si on ne peut pas le savoir (fichier trop gros, autre
    format). `members` : feuilles déjà décompressées (nom dans l'archive → octets)."""
    if len(data) > _FORMULA_SCAN_MAX or not data.startswith(b"PK"):
        return None
    members = members or {}
    if members and not any(members.values()):
        return 0  # aucune formule dans aucune feuille (membres vides : voir `check_zip`)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            book = z.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            rid = None
            for m in re.finditer(r"<(?:\w+:)?sheet\b[^>]*>", book):
                tag = m.group(0)
                name = re.search(r'name="([^"]*)"', tag)
                if name and html.unescape(name.group(1)) == sheet:
                    rid = re.search(r'r:id="([^"]*)"', tag) or re.search(r'id="([^"]*)"', tag)
                    break
            if rid is None:
                return None
            target = None
            for m in re.finditer(r"<Relationship\b[^>]*>", rels):
                if f'Id="{rid.group(1)}"' in m.group(0):
                    target = re.search(r'Target="([^"]*)"', m.group(0)).group(1)
            if target is None:
                return None
            path = target.lstrip("/") if target.startswith("/") else "xl/" + target
            xml = members[path] if path in members else z.read(path)
    except (KeyError, zipfile.BadZipFile, OSError, AttributeError):
        return None
    # seules les formules sont parcourues : dans une cellule, la valeur (`<v>`) suit la formule
    if b"<f" not in xml:
        return 0
    missing = 0
    for m in _FORMULA.finditer(xml):
        end = xml.find(b"</c>", m.end())
        if not _CACHED.match(xml, m.end(), end if end >= 0 else len(xml)):
            missing += 1
    return missing


@dataclass
class Reading:
    """Compte rendu de lecture d'un tableau chargé par `load_table`."""

    fichier: str
    feuille: str | None
    entete: list[int]
    lignes_gardees: int
    ecartees: dict[str, list[int]] = field(default_factory=dict)
    lignes_vides: int = 0
    totaux: list[dict] = field(default_factory=list)
    colonnes_total: list[dict] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)
    codes: list[str] = field(default_factory=list)
    zeros_retablis: dict[str, int] = field(default_factory=dict)
    rejetees: list = field(default_factory=list)
    reparees: list = field(default_factory=list)
    doubts: list[str] = field(default_factory=list)
    unite: str = "lignes Excel"
    #: descripteurs de type dBase retirés des libellés (nom → « N,12,2 »)
    dbase: dict[str, str] = field(default_factory=dict)

    def sections(self) -> list[tuple[str, list[str]]]:
        """(titre, lignes) de chaque partie du compte rendu."""
        head = [f"Fichier : {self.fichier}"]
        if self.feuille:
            head.append(f"Feuille : {self.feuille}")
        if self.entete:
            head.append("En-tête : " + ("ligne " if len(self.entete) == 1 else "lignes ")
                        + ", ".join(str(n) for n in self.entete))
        else:
            head.append("En-tête : aucun reconnu (colonnes nommées par leur lettre)")
        if self.dbase:
            name, kind = next(iter(self.dbase.items()))
            head.append(f"En-tête au format dBase : type et largeur retirés de {len(self.dbase)} "
                        f"libellé(s) (« {name},{kind} » → « {name} »)")
        head.append(f"Lignes de données gardées : {self.lignes_gardees}")
        drop = []
        for kind, rows in self.ecartees.items():
            drop.append(f"{_KINDS.get(kind, kind)} ({len(rows)}) : {self.unite} {_rows(rows)}")
        if self.lignes_vides:
            drop.append(f"lignes vides : {self.lignes_vides}")
        for t in self.totaux:
            if t.get("gardee"):
                continue
            span = f" (lignes {t['de']} à {t['a']})" if t.get("de") else ""
            state = "vérifié par le calcul" if t["verifie"] else "NE S'ADDITIONNE PAS"
            found = "repéré par son libellé" if t["par"] == "libellé" else \
                "repéré par le calcul"
            drop.append(f"{t['genre']} ligne {t['ligne']}{span} : {state}, {found}")
        for c in self.colonnes_total:
            state = "vérifiée" if c["verifie"] else \
                f"en écart sur {c['lignes_en_ecart']} ligne(s)"
            drop.append(f"colonne de total « {c['colonne']} » = somme de {len(c['parties'])} "
                        f"colonnes : {state}")
        types = [f"{name} : {_TYPES.get(kind, kind)}" for name, kind in self.types.items()]
        other = [f"codes « {name} » : zéro de tête rétabli sur {k} cellule(s)"
                 for name, k in self.zeros_retablis.items()]
        if self.rejetees:
            other.append(f"lignes rejetées ({len(self.rejetees)}) : {self.unite} "
                         f"{_rows([_line(r) for r in self.rejetees])}")
        if self.reparees:
            other.append(f"lignes réparées ({len(self.reparees)}) : {self.unite} "
                         f"{_rows([_line(r) for r in self.reparees])}")
        return [("Lecture", head), ("Lignes écartées et totaux", drop or ["aucune"]),
                ("Colonnes", types), ("Autres", other),
                ("Doutes", self.doubts or ["aucun"])]

    def to_text(self) -> str:
        out = []
        for title, lines in self.sections():
            if lines:
                out.append(f"{title} :")
                out += [f"  - {line}" for line in lines]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        parts = []
        for title, lines in self.sections():
            if lines:
                items = "".join(f"<li>{html.escape(str(line))}</li>" for line in lines)
                parts.append(f"<h4>{html.escape(title)}</h4><ul>{items}</ul>")
        return "<div class=\"kit-lecture\">" + "".join(parts) + "</div>"


def describe_reading(df: pd.DataFrame) -> Reading:
    """Compte rendu de la lecture d'un tableau chargé par `load_table`, en français.

    Parameters
    ----------
    df
        Tableau renvoyé par `kit.load_table` (il porte `attrs["source"]`).

    Returns
    -------
    Reading
        Feuille, ligne(s) d'en-tête, lignes gardées, lignes écartées par sorte (numéros de
        ligne Excel ou de ligne du fichier texte), totaux vérifiés ou non, type de chaque
        colonne, lignes rejetées et doutes (`Reading.doubts`).

    Raises
    ------
    DataError
        Le tableau ne vient pas de `load_table` (pas d'`attrs["source"]`).
    """

    src = df.attrs.get("source")
    if not isinstance(src, dict) or "dropped" not in src:
        raise DataError("Ce tableau ne vient pas de `load_table` : il ne porte pas de compte "
                        "rendu de lecture (attrs['source']). Chargez le fichier avec "
                        "kit.load_table.")
    dropped: dict[str, list[int]] = {}
    for d in src.get("dropped") or []:
        dropped.setdefault(d["motif"], []).append(int(d["ligne"]))
    start = src.get("header_row")
    header = list(range(start, start + int(src.get("header_rows") or 1))) if start else []
    types = dict(src.get("types") or {})
    doubts = src.get("doubts")
    if doubts is None:
        doubts = collect_doubts(src)
    return Reading(
        fichier=str(src.get("file")), feuille=src.get("sheet"), entete=header,
        lignes_gardees=int(src.get("rows", len(df))), ecartees=dropped,
        lignes_vides=int(src.get("blank_rows") or 0), totaux=list(src.get("totals") or []),
        colonnes_total=list(src.get("total_columns") or []), types=types,
        codes=[n for n, k in types.items() if k == "code"],
        zeros_retablis=dict(src.get("restored_zeros") or {}),
        rejetees=list(src.get("rejected_lines") or []),
        reparees=list(src.get("repaired_lines") or []), doubts=list(doubts),
        unite=_where(src), dbase=dict(src.get("dbase_types") or {}))

