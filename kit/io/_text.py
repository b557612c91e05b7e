"""Lecture des exports texte (CSV, TXT) : encodage, séparateur, lignes décalées.

Encodages reconnus (voir `kit.io._encoding`) : UTF-8 (avec ou sans BOM), UTF-16 (BOM), Windows-1252,
Latin-1, CP850 (DOS), fichiers mixtes. Séparateurs : `;`, `,`, tabulation, `|`. Les montants à
virgule décimale non protégés par des guillemets dans un fichier séparé par des virgules
(« 100 000,00 ») décalent la ligne : elle est réparée quand le type des colonnes rend la
réparation certaine, sinon elle est signalée (voir `kit.io._repair`).

Chemin rapide : un fichier régulier est lu directement en octets par le lecteur C de pandas,
qui type le corps du tableau ; les cas qu'il ne sait pas traiter à l'identique (lignes sur
plusieurs lignes physiques, lignes décalées, encodage mixte…) passent par la lecture ligne à
ligne.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kit._parse import PLACEHOLDERS, normalize_label, parse_numbers
from kit.errors import CorruptFileError, DataError, EmptyFileError
from kit.io._encoding import SAMPLE_BYTES, decode, no_c1, prepare
from kit.io._layout import cell_kind, find_header, strip_dbase, strip_text_rows
from kit.io._repair import repair_rows, unwrap_records, wrapped
from kit.io._types import code_width

csv.field_size_limit(1 << 26)

_SEPARATORS = (";", ",", "\t", "|")
_NUM_FR_RE = re.compile(r"-?(?:\d{1,3}(?: \d{3})+|\d+),\d+|-?\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_NUM_EN_RE = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+|-?\d{1,3}(?:,\d{3})+")
_SPACED_RE = re.compile(r"-?\d{1,3}(?: \d{3})+(?:,\d+)?")
_LEADING_ZERO = re.compile(r"0\d+")
_NOT_NUMBER = re.compile(r"[^\d\s.,+\-eE]")
#: taille à partir de laquelle le corps d'un CSV est lu en deux moitiés, une par cœur
_SPLIT_BYTES = 2 * SAMPLE_BYTES
_C_SPECIAL = {"inf", "infinity", "nan", "true", "false"}  # lus par le lecteur C hors texte
#: valeurs lues comme manquantes par le lecteur C dans les colonnes numériques (puis comptées)
_PH_VARIANTS = sorted({"", "NaN", *PLACEHOLDERS, *(p.upper() for p in PLACEHOLDERS),
                       *(p.capitalize() for p in PLACEHOLDERS),
                       *(p.title() for p in PLACEHOLDERS)})


@dataclass
class TextTable:
    """Table brute lue dans un fichier texte, avec ce qui a été constaté en la lisant."""

    raw: pd.DataFrame  # cellules en texte, colonnes 0..n-1, index = numéro de ligne physique
    encoding: str
    delimiter: str
    repaired_lines: list[int] = field(default_factory=list)
    rejected_lines: list[int] = field(default_factory=list)
    #: lignes qui ouvrent un guillemet jamais fermé, relues sans lui
    unclosed_quotes: list[int] = field(default_factory=list)
    #: lignes réparées en rendant un séparateur non protégé à un texte libre (parmi
    #: `repaired_lines`) : moins sûres qu'un montant recollé
    glued_lines: list[int] = field(default_factory=list)
    #: corps du tableau déjà typé par le lecteur C de pandas (chemin rapide) ; `raw` ne contient
    #: alors que les lignes jusqu'à l'en-tête inclus, déjà nettoyées (`strip_cells`)
    typed_body: pd.DataFrame | None = None
    typed_header: tuple[int, int] | None = None
    #: chemin rapide : valeurs de remplacement des colonnes numériques du corps typé (texte
    #: nettoyé, indexé par ligne), lues comme manquantes par le lecteur C
    placeholders: dict[int, pd.Series] = field(default_factory=dict)
    #: chemin rapide : vérification en cours (`get()` → vrai) qu'une colonne lue en nombres a
    #: une cellule que les analyseurs du kit refusent ; le fichier est alors à relire sans
    #: chemin rapide
    misread: _Background | None = None


def _read_typed(buf: bytes, enc: str, sep: str, sample: list[list[str]], ends: _LineEnds,
                header: tuple[int | None, int]) -> TextTable | None:
    """Chemin rapide : l'en-tête est repéré sur l'échantillon, le corps est typé par pandas.

    Les nombres à virgule décimale (et espace des milliers) sont convertis par le lecteur C ;
    les colonnes de codes (d'après le libellé ou des zéros de tête dans l'échantillon) restent
    en texte. Dans les colonnes numériques de l'échantillon, les valeurs de remplacement (nd,
    secret, -…) sont lues comme manquantes par le lecteur C puis retrouvées dans le texte brut
    (`TextTable.placeholders`). Une colonne que le lecteur C ne sait pas convertir reste en
    texte et passe par les analyseurs du kit, comme sur le chemin ordinaire. Renvoie None si le
    fichier ne s'y prête pas (lignes sur plusieurs lignes physiques, colonnes irrégulières).
    """

    start, n = header
    if start is None or start + n >= len(sample):
        return None
    width = max(len(r) for r in sample)
    head = [r + [""] * (width - len(r)) for r in sample[: start + n]]
    labels = strip_dbase([" ".join(str(r[c]) for r in head[start:]) for c in range(width)])[0]
    body_sample = [[v.strip() for v in r] for r in sample[start + n:] if any(v.strip() for v in r)]
    fr = en = 0
    spaced = False
    for r in body_sample:
        for v in r:
            is_fr, is_en = bool(_NUM_FR_RE.fullmatch(v)), bool(_NUM_EN_RE.fullmatch(v))
            fr += is_fr and not is_en
            en += is_en and not is_fr
            spaced = spaced or bool(_SPACED_RE.fullmatch(v))
    dtype, numeric = {}, []
    for c in range(width):
        values = [r[c] for r in body_sample if c < len(r) and r[c]]
        if code_width(labels[c])[0] or any(_LEADING_ZERO.fullmatch(v) for v in values):
            if not any(_NOT_NUMBER.search(v) and v.lower().strip("+-") not in _C_SPECIAL
                       for v in values):  # sinon le lecteur C la garde en texte de lui-même
                dtype[c] = str
        elif "date" not in normalize_label(labels[c]) and any(
                cell_kind(v) == "nombre" for v in values) and all(
                v.lower() in PLACEHOLDERS or cell_kind(v) == "nombre" for v in values):
            numeric.append(c)
    decimal = "," if fr > en else "."
    if enc == "cp1252" and no_c1(buf, int(ends.head(start + n)[start + n - 1])):
        enc = "latin-1"  # mêmes caractères sous l'en-tête, décodage bien plus rapide
    kw = dict(sep=sep, header=None, names=range(width), encoding=enc,
              skip_blank_lines=False, engine="c", quoting=csv.QUOTE_MINIMAL)
    thousands = " " if (spaced and decimal == ",") else None
    try:
        with warnings.catch_warnings():  # types mélangés d'un bloc à l'autre : traité plus bas
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            body = _read_body(buf, start + n, dict(
                kw, dtype=dtype or None, decimal=decimal,
                thousands=thousands, keep_default_na=False,
                na_values={c: _PH_VARIANTS if c in numeric else [""] for c in range(width)}))
    except UnicodeDecodeError:
        raise
    except (pd.errors.ParserError, ValueError, csv.Error):
        return None
    header_width = max(_eff_width(r) for r in sample[start:start + n])
    # une cellule ne contient le séparateur qu'entre guillemets : sans guillemet, rien à redécouper
    n_lines = ends.count()
    if len(body) + start + n != n_lines or (b'"' in buf and wrapped(body, sep, header_width)) \
            or _mixed(body):
        return None
    body.index = pd.RangeIndex(start + n + 1, n_lines + 1)
    found = _find_placeholders(body, buf, ends.get(), numeric, start + n, kw)
    # le lecteur C est plus large que les analyseurs du kit : il saute l'espace des milliers
    # où qu'elle soit (« 12 34 » → 1234), lit « ,5 », « 1, » et « inf ». Les écritures
    # suspectes des colonnes lues en nombres sont cherchées dans les octets, dans un autre fil
    # pendant la mise en forme du tableau ; s'il y en a, le fichier est relu sans chemin rapide
    cols = [c for c in body.columns if body[c].dtype.kind in "if"]
    if any(np.isinf(body[c].to_numpy()).any() for c in cols if body[c].dtype.kind == "f"):
        return None
    check = _Background(_misread, buf, ends.get(), thousands is not None, decimal == ",",
                        cols, start + n, len(body), kw) if cols and decimal == "," else None
    raw = pd.DataFrame(strip_text_rows(head), dtype=object, columns=range(width))  # nettoyé
    raw.index = pd.RangeIndex(1, start + n + 1)
    return TextTable(raw, "", sep, typed_body=body, typed_header=(start, n), placeholders=found,
                     misread=check)


def _read_body(buf: bytes, skip: int, kw: dict) -> pd.DataFrame:
    """Corps du tableau lu par le lecteur C, sous les `skip` premières lignes.

    Un gros fichier est lu en deux moitiés, coupées à une fin de ligne, l'une dans un autre fil
    (le lecteur C lâche le GIL en découpant le texte : les deux cœurs servent). Les deux moitiés
    sont lues avec les mêmes options ; si une colonne n'a pas le même type dans les deux (hors
    entiers d'un côté, décimaux de l'autre, que pandas réunit en décimaux comme il l'aurait fait
    d'un bloc), le fichier est relu d'un bloc. Une coupure au milieu d'une cellule sur plusieurs
    lignes laisse un guillemet ouvert en fin de première moitié : erreur du lecteur, donc
    chemin ordinaire (comme toute ligne sur plusieurs lignes physiques).
    """
    mid = buf.find(b"\n", len(buf) // 2) + 1
    if len(buf) < _SPLIT_BYTES or not SAMPLE_BYTES < mid < len(buf):  # l'en-tête avant `mid`
        return pd.read_csv(io.BytesIO(buf), skiprows=skip, **kw)
    view = memoryview(buf)
    second = _Background(lambda: pd.read_csv(io.BytesIO(view[mid:]), **kw))
    try:
        first = pd.read_csv(io.BytesIO(view[:mid]), skiprows=skip, **kw)
    finally:
        rest = second.get()
    if not all(a == b or (a.kind in "if" and b.kind in "if")
               for a, b in zip(first.dtypes, rest.dtypes)):
        return pd.read_csv(io.BytesIO(buf), skiprows=skip, **kw)
    return pd.concat([first, rest], ignore_index=True)


def _reread(buf: bytes, ends: np.ndarray, lines: np.ndarray, cols: list[int],
            kw: dict) -> dict[int, np.ndarray]:
    """Texte brut des colonnes `cols` des lignes physiques `lines` (à partir de 0)."""
    starts = np.concatenate(([0], ends))[lines].tolist()
    stops = np.append(ends, len(buf))[lines].tolist()
    pieces = [buf[a:b] for a, b in zip(starts, stops)]
    if len(pieces) > 300:  # beaucoup de lignes : relues par le lecteur C
        try:
            frame = pd.read_csv(io.BytesIO(b"".join(pieces)), usecols=cols, dtype=str,
                                keep_default_na=False, na_filter=False, **kw)
            if len(frame) == len(pieces):
                return {c: frame[c].to_numpy(dtype=object) for c in cols}
        except UnicodeDecodeError:
            raise
        except (pd.errors.ParserError, ValueError, csv.Error):
            pass
    # quelques lignes, ou relecture groupée impossible : une à une
    rows = [next(csv.reader([piece.decode(kw["encoding"]).rstrip("\r\n")],
                            delimiter=kw["sep"]), []) for piece in pieces]
    return {c: np.array([r[c] if c < len(r) else "" for r in rows], dtype=object) for c in cols}


def _suspects(buf: bytes, groups: bool, commas: bool, step: int = 1 << 18) -> np.ndarray:
    """Positions où le lecteur C peut lire un nombre que les analyseurs du kit refusent :
    `groups`, espace entre deux chiffres qui ne sépare pas des milliers bien formés (trois
    chiffres après l'espace, au plus trois avant : « 12 34 », « 1000 000 ») ; `commas`,
    virgule décimale avec un chiffre d'un seul côté (« ,5 », « 1, »)."""
    arr = np.frombuffer(buf, np.uint8)
    pad = np.zeros(4, np.uint8)  # ni chiffre, ni espace, ni virgule
    out = [np.zeros(0, np.int64)]  # par blocs (`step`) : tableaux gardés en cache
    for lo in range(0, len(arr), step):
        hi = min(lo + step, len(arr))
        chunk = arr[max(lo - 4, 0):hi + 4]  # indice k : octet lo - 4 + k, jusqu'à hi + 4
        if lo < 4 or hi + 4 > len(arr):
            chunk = np.concatenate((pad[:4 - min(lo, 4)], chunk,
                                    pad[:hi + 4 - min(hi + 4, len(arr))]))
        digit = (chunk - np.uint8(48)) < 10
        if groups:
            pos = np.flatnonzero((chunk[4:-4] == 32) & digit[3:-5] & digit[5:-3]) + 4
            ok = digit[pos + 2] & digit[pos + 3] & ~digit[pos + 4] & ~(
                digit[pos - 2] & digit[pos - 3] & digit[pos - 4])
            out.append(pos[~ok] + (lo - 4))
        if commas:
            pos = np.flatnonzero((chunk[4:-4] == 44) & (digit[3:-5] ^ digit[5:-3])) + 4
            out.append(pos + (lo - 4))
    return np.sort(np.concatenate(out))


def _misread(buf: bytes, ends: np.ndarray, groups: bool, commas: bool, cols: list[int],
             first: int, n_rows: int, kw: dict) -> bool:
    """Une cellule des colonnes `cols` (lues en nombres ; corps du tableau : `n_rows` lignes à
    partir de la ligne physique `first`, comptée à partir de 0), sur une ligne qui contient
    une écriture suspecte (`_suspects`), est-elle refusée par les analyseurs du kit ? Le
    lecteur C l'a pourtant lue comme un nombre (« 12 34 » → 1234)."""
    suspects = _suspects(buf, groups, commas)
    lines = np.unique(np.searchsorted(ends, suspects, side="right"))
    lines = lines[(lines >= first) & (lines < first + n_rows)]
    if not len(lines):
        return False
    cells = _reread(buf, ends, lines, cols, kw)
    return any(parse_numbers(pd.Series(cells[c], dtype=object)).invalid.any() for c in cols)


def _find_placeholders(body: pd.DataFrame, buf: bytes, ends: np.ndarray, cols: list[int],
                       first: int, kw: dict) -> dict[int, pd.Series]:
    """Distingue, dans les colonnes lues avec les valeurs de remplacement comme manquantes, les
    cellules vides des valeurs de remplacement, en relisant seulement les lignes concernées.

    Une colonne restée numérique garde ses valeurs manquantes ; les valeurs de remplacement
    sont renvoyées (texte nettoyé, indexé par ligne). Une colonne qui n'est pas numérique (ou
    qui n'a que des valeurs de remplacement) retrouve son texte brut, comme si elle avait été
    lue sans elles.
    """
    masks = {}
    for c in cols:  # des entiers n'ont aucune valeur manquante
        col = body[c]
        if col.dtype.kind not in "iub":
            mask = np.isnan(col.to_numpy()) if col.dtype.kind == "f" else col.isna().to_numpy()
            if mask.any():
                masks[c] = mask
    if not masks:
        return {}
    cols = list(masks)
    missing = np.column_stack(list(masks.values()))
    pos = np.flatnonzero(missing.any(axis=1))
    cells = _reread(buf, ends, first + pos, cols, kw)
    found = {}
    for j, c in enumerate(cols):
        miss = missing[pos, j]
        raw = cells[c][miss]
        text = [v.strip() for v in raw.tolist()]
        is_ph = np.array([v.lower() in PLACEHOLDERS for v in text], dtype=bool)
        if not is_ph.any():
            continue
        rows = body.index[pos[miss][is_ph]]
        col = body[c]
        if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(
                col.dtype) and col.notna().any():
            found[c] = pd.Series(np.array(text, dtype=object)[is_ph], index=rows, dtype=object)
            continue
        if pd.api.types.is_numeric_dtype(col.dtype):  # que des valeurs manquantes : du texte
            col = pd.Series(np.nan, index=body.index, dtype="str")
        else:
            col = col.copy()
        col[rows] = raw[is_ph]
        body[c] = col
    return found


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


def read_text(data: bytes, path: Path, sep: str | None = None,
              encoding: str | None = None, fast: bool = True) -> TextTable:
    """Lit un export texte en une table brute de cellules (texte).

    `sep` et `encoding` imposent le séparateur et l'encodage au lieu de les deviner ;
    `fast=False` écarte le chemin rapide (corps typé par le lecteur C).
    """
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise DataError(
                f"Le fichier « {path.name} » ne se lit pas avec l'encodage demandé "
                f"{encoding!r} ({type(exc).__name__} : {str(exc)[:120]}). Essayez « utf-8 », "
                "« cp1252 » ou « cp850 », ou n'indiquez pas d'encodage.", path) from None
        text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip():
            raise EmptyFileError(f"Le fichier « {path.name} » ne contient aucune donnée.", path)
        return _read_bytes(text.encode("utf-8"), encoding, "utf-8", path, text, sep, fast)
    prep = prepare(data)
    table = _read_bytes(*prep, path, sep=sep, fast=fast) if prep is not None else None
    if table is None:  # décodage complet, en mémoire
        text, encoding = decode(data)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip():
            raise EmptyFileError(f"Le fichier « {path.name} » ne contient aucune donnée.", path)
        table = _read_bytes(text.encode("utf-8"), encoding, "utf-8", path, text, sep, fast)
    return table


def _line_ends(buf: bytes) -> np.ndarray:
    """Position (exclue) de la fin de chaque ligne physique terminée par « \\n »."""
    return np.flatnonzero(np.frombuffer(buf, np.uint8) == 10) + 1


class _Background:
    """Calcul lancé dans un autre fil (numpy lâche le GIL), résultat attendu par `get`."""

    def __init__(self, fn, *args):
        self._value, self._error = None, None
        self._thread = threading.Thread(target=self._run, args=(fn, *args), daemon=True)
        self._thread.start()

    def _run(self, fn, *args) -> None:
        try:
            self._value = fn(*args)
        except Exception as exc:  # noqa: BLE001 — relancée dans le fil appelant, par `get`
            self._error = exc

    def get(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


class _LineEnds:
    """Fins de ligne d'un gros fichier, calculées dans un autre fil pendant que le lecteur C
    de pandas lit le fichier (numpy et le lecteur C lâchent le GIL : les deux cœurs servent).
    Les premières lignes (`head`) se trouvent sans attendre. `check_cr` : chercher aussi, dans
    le même fil, des fins de ligne « \r » seules (`lone_cr`)."""

    def __init__(self, buf: bytes, check_cr: bool = False):
        self._buf, self._value, self._check_cr, self._lone_cr = buf, None, check_cr, False
        self._thread = None
        if len(buf) >= 1 << 20:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        else:
            self._run()

    def _run(self) -> None:
        self._value = ends = _line_ends(self._buf)
        if self._check_cr and b"\r" in self._buf:  # autant de « \r » que de « \r\n » ?
            arr = np.frombuffer(self._buf, np.uint8)
            self._lone_cr = np.count_nonzero(arr == 13) != np.count_nonzero(
                arr[ends[ends >= 2] - 2] == 13)

    def lone_cr(self) -> bool:
        """Le fichier a-t-il des fins de ligne « \r » seules (à décoder en entier d'abord) ?"""
        self.get()
        return self._lone_cr

    def get(self) -> np.ndarray:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        return self._value

    def count(self) -> int:
        """Nombre de lignes physiques (la dernière peut ne pas finir par « \\n »)."""
        return len(self.get()) + (0 if self._buf.endswith(b"\n") else 1)

    def head(self, k: int) -> np.ndarray:
        """Fins des `k` premières lignes (moins si le fichier en a moins)."""
        if self._thread is None:
            return self._value[:k]
        out, pos = [], 0
        while len(out) < k:
            pos = self._buf.find(b"\n", pos) + 1
            if pos == 0:
                break
            out.append(pos)
        return np.array(out, dtype=np.int64)


def _read_bytes(buf: bytes, encoding: str, enc: str, path: Path, text: str | None = None,
                sep: str | None = None, fast: bool = True) -> TextTable | None:
    """Lit les octets `buf` (encodage `enc`) ; `text` : le même contenu déjà décodé, fins de
    ligne « \\n ». None quand le fichier demande d'être décodé en entier d'abord."""
    # fins de ligne « \r » seules : décodage complet (vérifié dans un autre fil, avant de
    # renvoyer une table lue dans les octets)
    ends = _LineEnds(buf, check_cr=text is None)
    if text is None:
        # les 80 premières lignes suffisent (au plus 200 000 caractères)
        first = ends.head(80)
        stop = min(int(first[79]) if len(first) >= 80 else len(buf), SAMPLE_BYTES)
        head_text = codecs.getincrementaldecoder(enc)().decode(buf[:stop], final=stop == len(buf))
        if "\r" in head_text.replace("\r\n", ""):
            return None
        head_text = head_text.replace("\r\n", "\n")[:200_000]
        if not head_text.strip():
            return None
    else:
        head_text = text[:200_000]
    head = [ln for ln in head_text.split("\n", 80)[:80] if ln.strip()]
    sep = sep or sniff_delimiter(head)
    lines_end = sum(1 for ln in head if ln.rstrip().endswith(";"))
    if sep != ";" and lines_end >= 0.2 * len(head):  # « …,valeur;; » : points-virgules parasites
        if text is None:
            return None
        text = re.sub(r";+[ \t]*$", "", text, flags=re.M)
        buf, head_text = text.encode("utf-8"), text[:200_000]
        ends = _LineEnds(buf)
    sample = list(csv.reader(head_text.split("\n", 80)[:80], delimiter=sep))
    header = find_header(sample)
    header_width = _header_width(sample, header)
    try:
        if header_width is not None and max(_eff_width(r) for r in sample) <= header_width:
            typed = _read_typed(buf, enc, sep, sample, ends, header) if fast else None
            if typed is not None:
                typed.encoding = encoding
                return typed if not ends.lone_cr() else None
            try:
                raw = pd.read_csv(io.BytesIO(buf), sep=sep, header=None, encoding=enc,
                                  names=range(max(len(r) for r in sample)),
                                  dtype=str, keep_default_na=False, na_filter=False,
                                  skip_blank_lines=False, engine="c", quoting=csv.QUOTE_MINIMAL)
                n_lines = ends.count()
                if len(raw) == n_lines and not wrapped(raw.iloc[header[0] + header[1]:], sep,
                                                        header_width):
                    raw.index = pd.RangeIndex(1, n_lines + 1)
                    return TextTable(raw, encoding, sep) if not ends.lone_cr() else None
            except UnicodeDecodeError:
                raise
            except (pd.errors.ParserError, ValueError, csv.Error):
                pass
        if text is None:
            if ends.lone_cr():
                return None
            text = buf.decode(enc).replace("\r\n", "\n")
    except UnicodeDecodeError:  # UTF-8 invalide après l'échantillon : décodage complet
        return None
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


def _records(text: str, sep: str, path: Path, first_line: int = 1
             ) -> tuple[list[list[str]], list[int], list[int]]:
    """(enregistrements, ligne physique du début de chacun, lignes de fin physique de chacun)."""
    rows, lines, ends = [], [], []
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    start = 1
    try:
        for row in reader:
            rows.append(row)
            lines.append(start + first_line - 1)
            ends.append(reader.line_num + first_line - 1)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CorruptFileError(
            f"Le fichier « {path.name} » n'a pas pu être découpé en colonnes à la ligne "
            f"{start + first_line - 1} ({exc}). Vérifiez les guillemets de cette ligne.",
            path) from None
    return rows, lines, ends


def _swallows(physical: list[str], first: int, last: int, sep: str, width: int) -> bool:
    """L'enregistrement des lignes physiques `first` à `last` en avale d'autres : une de ses
    lignes suivantes a, telle qu'écrite, tous les séparateurs d'un enregistrement (un guillemet
    ouvert et jamais fermé). Une adresse ou un commentaire sur plusieurs lignes n'a pas cette
    forme."""
    return width >= 2 and any(physical[k - 1].count(sep) >= width - 1
                              for k in range(first + 1, min(last, len(physical)) + 1))


#: guillemets non fermés relus un à un ; au-delà, le reste du fichier est lu sans guillemets
_MAX_UNCLOSED = 50


def _unclosed_quotes(text: str, sep: str, path: Path, rows: list[list[str]],
                     lines: list[int], ends: list[int], width: int) -> list[int]:
    """Relit sans le guillemet chaque ligne qui ouvre un guillemet jamais fermé (« 01;"Voirie;
    100 ») puis reprend la lecture à la ligne suivante : les lignes avalées redeviennent des
    enregistrements. Modifie `rows`, `lines` ; renvoie les lignes relues ainsi."""
    physical = text.split("\n")
    found: list[int] = []
    i = 0
    while i < len(rows):
        if ends[i] > lines[i] and _swallows(physical, lines[i], ends[i], sep, width):
            n = lines[i]
            literal = next(csv.reader([physical[n - 1]], delimiter=sep,
                                      quoting=csv.QUOTE_NONE), [])
            rest = "\n".join(physical[n:])
            if len(found) < _MAX_UNCLOSED:
                more, more_lines, more_ends = _records(rest, sep, path, n + 1)
            else:  # des guillemets partout (pouces, citations) : le reste se lit tel quel, en
                # une fois (temps linéaire)
                more = list(csv.reader(io.StringIO(rest), delimiter=sep,
                                       quoting=csv.QUOTE_NONE))
                more = [[v.replace('"', "") for v in r] for r in more]
                more_lines = more_ends = list(range(n + 1, n + 1 + len(more)))
                found.extend(k for k in more_lines if '"' in physical[k - 1])
            rows[i:] = [[v.replace('"', "") for v in literal], *more]
            lines[i:] = [n, *more_lines]
            ends[i:] = [n, *more_ends]
            found.append(n)
        i += 1
    return sorted(found)


def _read_text_slow(text: str, encoding: str, sep: str, path: Path) -> TextTable:
    """Lecture ligne à ligne : lignes multiples entre guillemets et lignes décalées."""
    rows, lines, ends = _records(text, sep, path)
    unclosed: list[int] = []
    if text.count('"') % 2 or any(e > n for e, n in zip(ends, lines)):
        head_width = _header_width(rows[:80])
        if head_width:
            unclosed = _unclosed_quotes(text, sep, path, rows, lines, ends, head_width)
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop(), lines.pop()
    for r in rows:  # cellules vides en fin de ligne (séparateurs en trop)
        while len(r) > 1 and not r[-1].strip():
            r.pop()
    header = find_header(rows[:80])
    width = _header_width(rows[:80], header)
    if width is None:
        widths = [len(r) for r in rows if len(r) > 1] or [1]
        width = max(set(widths), key=widths.count)
    else:  # sous l'en-tête seulement
        unwrap_records(rows, lines, width, sep, text, header[0] + header[1])
    repaired, rejected, glued = repair_rows(rows, lines, width, sep)
    dropped = set(rejected)
    keep = [i for i, line in enumerate(lines) if line not in dropped]
    rows, lines = [rows[i] for i in keep], [lines[i] for i in keep]
    width = max([width] + [len(r) for r in rows])
    raw = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], index=lines, dtype=object)
    return TextTable(raw, encoding, sep, repaired, rejected, unclosed_quotes=unclosed,
                     glued_lines=glued)


def _mixed(body: pd.DataFrame) -> bool:
    """Une colonne à la fois numérique et textuelle : le lecteur C lit un grand fichier par
    blocs, et un texte tardif laisse les blocs précédents en nombres."""
    return any(body[c].dtype == object and pd.api.types.infer_dtype(body[c], skipna=True)
               not in ("string", "boolean", "empty") for c in body.columns)
