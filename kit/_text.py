"""Lecture des exports texte (CSV, TXT) : encodage, séparateur, lignes décalées.

Encodages reconnus : UTF-8 (avec ou sans BOM), UTF-16 (BOM), Windows-1252, Latin-1, CP850
(DOS). Séparateurs : `;`, `,`, tabulation, `|`. Les montants à virgule décimale non protégés par
des guillemets dans un fichier séparé par des virgules (« 100 000,00 ») décalent la ligne : elle
est réparée quand le type des colonnes rend la réparation certaine, sinon elle est signalée.
"""

from __future__ import annotations

import csv
from collections import Counter
import io
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kit._layout import cell_kind, find_header
from kit.errors import CorruptFileError, EmptyFileError

csv.field_size_limit(1 << 26)

_FRENCH = set("éèêëàâäîïôöùûüçÉÈÊÀÂÎÔÙÛÇœŒ°€’«»")
_ODD = set("‚ƒ„†‡ˆ‰Š‹ŽŒ‘“”•˜™š›žŸ¤¦¨´¸¯") | {chr(c) for c in range(0x2500, 0x25A0)}
_SEPARATORS = (";", ",", "\t", "|")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_UTF8_SEQ = re.compile(rb"[\xc3][\x80-\xbf]|\xc2[\xa0-\xbf]|\xe2\x80[\x90-\xbf]")
_NUM_FR_RE = re.compile(r"-?(?:\d{1,3}(?: \d{3})+|\d+),\d+|-?\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_NUM_EN_RE = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+|-?\d{1,3}(?:,\d{3})+")
_LEFT_AMOUNT = re.compile(r"^-?\d{1,3}(?:[ \u00a0\u202f]\d{3})*$|^-?\d+$")
_RIGHT_DECIMALS = re.compile(r"^\d{1,2}(?:\s*€)?$")


@dataclass
class TextTable:
    """Table brute lue dans un fichier texte, avec ce qui a été constaté en la lisant."""

    raw: pd.DataFrame  # cellules en texte, colonnes 0..n-1, index = numéro de ligne physique
    encoding: str
    delimiter: str
    repaired_lines: list[int] = field(default_factory=list)
    rejected_lines: list[int] = field(default_factory=list)
    #: corps du tableau déjà typé par le lecteur C de pandas (chemin rapide) ; `raw` ne contient
    #: alors que les lignes jusqu'à l'en-tête inclus
    typed_body: pd.DataFrame | None = None
    typed_header: tuple[int, int] | None = None


def _read_typed(text: str, sep: str, sample: list[list[str]], n_lines: int,
                header: tuple[int | None, int]
                ) -> tuple[pd.DataFrame, pd.DataFrame, tuple[int, int]] | None:
    """Chemin rapide : l'en-tête est repéré sur l'échantillon, le corps est typé par pandas.

    Les nombres à virgule décimale (et espace des milliers) sont convertis par le lecteur C ;
    les colonnes de codes (d'après le libellé ou des zéros de tête dans l'échantillon) restent
    en texte. Une colonne que le lecteur C ne sait pas convertir reste en texte et passe par
    les analyseurs du kit, comme sur le chemin ordinaire. Renvoie None si le fichier ne s'y
    prête pas (lignes sur plusieurs lignes physiques, colonnes irrégulières).
    """
    from kit._types import code_width

    start, n = header
    if start is None or start + n >= len(sample):
        return None
    width = max(len(r) for r in sample)
    head = [r + [""] * (width - len(r)) for r in sample[: start + n]]
    labels = [" ".join(str(r[c]) for r in head[start:]) for c in range(width)]
    body_sample = [r for r in sample[start + n:] if any(v.strip() for v in r)]
    fr = en = 0
    spaced = False
    for r in body_sample:
        for v in r:
            v = v.strip()
            is_fr, is_en = bool(_NUM_FR_RE.fullmatch(v)), bool(_NUM_EN_RE.fullmatch(v))
            fr += is_fr and not is_en
            en += is_en and not is_fr
            spaced = spaced or bool(re.fullmatch(r"-?\d{1,3}(?: \d{3})+(?:,\d+)?", v))
    dtype = {}
    for c in range(width):
        values = [r[c].strip() for r in body_sample if c < len(r)]
        if code_width(labels[c])[0] or any(re.fullmatch(r"0\d+", v) for v in values):
            dtype[c] = str
    decimal = "," if fr > en else "."
    try:
        body = pd.read_csv(io.StringIO(text), sep=sep, header=None, skiprows=start + n,
                           names=range(width), dtype=dtype or None, decimal=decimal,
                           thousands=" " if (spaced and decimal == ",") else None,
                           keep_default_na=False, na_values=[""], skip_blank_lines=False,
                           engine="c", quoting=csv.QUOTE_MINIMAL)
    except (pd.errors.ParserError, ValueError, csv.Error):
        return None
    if len(body) + start + n != n_lines:
        return None
    body.index = pd.RangeIndex(start + n + 1, n_lines + 1)
    raw = pd.DataFrame(head, dtype=object, columns=range(width))
    raw.index = pd.RangeIndex(1, start + n + 1)
    return raw, body, (start, n)


def decode(data: bytes) -> tuple[str, str]:
    """Texte et nom de l'encodage reconnu."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    single = _best_single_byte(data[:200_000])
    if _UTF8_SEQ.search(data):  # fichier mixte : lignes en UTF-8 et lignes en Windows-1252
        out = []
        for line in data.split(b"\n"):
            try:
                out.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                out.append(line.decode(single, errors="replace"))
        return "\n".join(out), f"mixte (utf-8 et {single})"
    return data.decode(single, errors="replace"), single


def _best_single_byte(sample: bytes) -> str:
    best, best_score = "latin-1", None
    for enc in ("cp1252", "cp850"):  # Windows-1252 couvre Latin-1 pour tout texte imprimable
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError:
            continue
        chars = Counter(_NON_ASCII.findall(text))
        score = sum(n for ch, n in chars.items() if ch in _FRENCH) - 3 * sum(
            n for ch, n in chars.items() if ch in _ODD)
        if best_score is None or score > best_score:
            best, best_score = enc, score
    return best


def sniff_delimiter(lines: list[str]) -> str:
    """Séparateur le plus régulier sur les premières lignes non vides."""
    best, best_score = ",", -1.0
    for sep in _SEPARATORS:
        stripped = [ln.rstrip(" \t" + sep) for ln in lines]
        counts = [len(r) for r in csv.reader(stripped, delimiter=sep) if r]
        counts = [c for c in counts if c > 1]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        score = counts.count(mode) * (1 + 0.01 * mode)
        if score > best_score:
            best, best_score = sep, score
    return best


def read_text(data: bytes, path: Path) -> TextTable:
    """Lit un export texte en une table brute de cellules (texte)."""
    text, encoding = decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise EmptyFileError(f"Le fichier « {path.name} » ne contient aucune donnée.", path)
    head = [ln for ln in text[:200_000].split("\n")[:80] if ln.strip()]
    sep = sniff_delimiter(head)
    lines_end = sum(1 for ln in head if ln.rstrip().endswith(";"))
    if sep != ";" and lines_end >= 0.2 * len(head):  # « …,valeur;; » : points-virgules parasites
        text = re.sub(r";+[ \t]*$", "", text, flags=re.M)
    n_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    sample = list(csv.reader(text[:200_000].split("\n")[:80], delimiter=sep))
    header = find_header(sample)
    header_width = _header_width(sample, header)
    if header_width is not None and max(_eff_width(r) for r in sample) <= header_width:
        typed = _read_typed(text, sep, sample, n_lines, header)
        if typed is not None:
            head, body, header = typed
            return TextTable(head, encoding, sep, typed_body=body, typed_header=header)
        try:
            raw = pd.read_csv(io.StringIO(text), sep=sep, header=None,
                              names=range(max(len(r) for r in sample)), dtype=str,
                              keep_default_na=False, na_filter=False, skip_blank_lines=False,
                              engine="c", quoting=csv.QUOTE_MINIMAL)
            if len(raw) == n_lines:
                raw.index = pd.RangeIndex(1, n_lines + 1)
                return TextTable(raw, encoding, sep)
        except (pd.errors.ParserError, ValueError, csv.Error):
            pass
    return _read_text_slow(text, encoding, sep, path)


def _eff_width(row: list[str]) -> int:
    """Nombre de champs jusqu'au dernier non vide."""
    for i in range(len(row) - 1, -1, -1):
        if row[i].strip():
            return i + 1
    return 0


def _header_width(rows: list[list[str]], header: tuple[int | None, int] | None = None
                  ) -> int | None:
    start, n = header if header is not None else find_header(rows)
    if start is None:
        return None
    return max(_eff_width(r) for r in rows[start:start + n])


def _read_text_slow(text: str, encoding: str, sep: str, path: Path) -> TextTable:
    """Lecture ligne à ligne : lignes multiples entre guillemets et lignes décalées."""
    rows, lines = [], []
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    start = 1
    try:
        for row in reader:
            rows.append(row)
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CorruptFileError(
            f"Le fichier « {path.name} » n'a pas pu être découpé en colonnes à la ligne {start} "
            f"({exc}). Vérifiez les guillemets de cette ligne.", path) from None
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop(), lines.pop()
    for r in rows:  # cellules vides en fin de ligne (séparateurs en trop)
        while len(r) > 1 and not r[-1].strip():
            r.pop()
    width = _header_width(rows[:80])
    if width is None:
        widths = [len(r) for r in rows if len(r) > 1] or [1]
        width = max(set(widths), key=widths.count)
    repaired, rejected = _repair_rows(rows, lines, width)
    dropped = set(rejected)
    keep = [i for i, line in enumerate(lines) if line not in dropped]
    rows, lines = [rows[i] for i in keep], [lines[i] for i in keep]
    width = max([width] + [len(r) for r in rows])
    raw = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], index=lines, dtype=object)
    return TextTable(raw, encoding, sep, repaired, rejected)


def _repair_rows(rows: list[list[str]], lines: list[int], width: int) -> tuple[list, list]:
    """Recolle les montants coupés par une virgule décimale non protégée.

    Une ligne de `width + k` champs est réparée si une seule façon de recoller `k` paires
    « entier » + « décimales » place chaque montant recollé dans une colonne numérique et
    laisse les autres colonnes numériques numériques. Sinon la ligne est signalée (rejetée).
    """
    good = [r for r in rows if len(r) == width]
    numeric = []
    for c in range(width):
        kinds = [cell_kind(r[c]) for r in good[:500]]
        filled = [k for k in kinds if k != "vide"]
        numeric.append(bool(filled) and sum(k == "nombre" for k in filled) >= 0.8 * len(filled))
    if len(good) < 5:  # trop peu de lignes saines pour connaître le type des colonnes
        numeric = [None] * width
    repaired, rejected = [], []
    for i, r in enumerate(rows):
        k = len(r) - width
        if k <= 0:
            continue
        if k > 4 or not any(n is not False for n in numeric):
            rejected.append(lines[i])
            continue
        fits = []
        for merge in itertools.combinations(range(len(r) - 1), k):
            if any(b - a < 2 for a, b in zip(merge, merge[1:])):
                continue
            fixed, j = [], 0
            ok = True
            while j < len(r):
                if j in merge:
                    left, right = r[j].strip(), r[j + 1].strip()
                    if not (_LEFT_AMOUNT.match(left) and _RIGHT_DECIMALS.match(right)
                            and len(fixed) < width and numeric[len(fixed)] is not False):
                        ok = False
                        break
                    fixed.append(f"{left},{right}")
                    j += 2
                else:
                    fixed.append(r[j])
                    j += 1
            if ok and len(fixed) == width and all(
                    not numeric[c] or cell_kind(v) in ("nombre", "vide")
                    for c, v in enumerate(fixed)):
                fits.append(fixed)
        if len(fits) == 1:
            rows[i] = fits[0]
            repaired.append(lines[i])
        else:
            rejected.append(lines[i])
    return repaired, rejected
