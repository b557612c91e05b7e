"""Encodage des exports texte : UTF-8 (avec ou sans BOM), UTF-16, Windows-1252, Latin-1, CP850
(DOS), ou fichier mixte (lignes en UTF-8 et lignes en Windows-1252).

`prepare` reconnaît l'encodage sans décoder tout le fichier, pour que le lecteur C de pandas
lise directement les octets ; `decode` décode tout, pour les cas que `prepare` écarte.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter

import numpy as np

_FRENCH = set("éèêëàâäîïôöùûüçÉÈÊÀÂÎÔÙÛÇœŒ°€’«»")
_ODD = set("‚ƒ„†‡ˆ‰Š‹ŽŒ‘“”•˜™š›žŸ¤¦¨´¸¯") | {chr(c) for c in range(0x2500, 0x25A0)}
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
#: octets lus pour l'échantillon : au moins 200 000 caractères, quel que soit l'encodage
SAMPLE_BYTES = 800_000


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
    single = best_single_byte(data[:200_000])
    if has_utf8_seq(data):  # fichier mixte : lignes en UTF-8 et lignes en Windows-1252
        out = []
        for line in data.split(b"\n"):
            try:
                out.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                out.append(line.decode(single, errors="replace"))
        return "\n".join(out), f"mixte (utf-8 et {single})"
    return data.decode(single, errors="replace"), single


def best_single_byte(sample: bytes) -> str:
    """Encodage à un octet par caractère le plus vraisemblable pour l'échantillon."""
    # un caractère non ASCII ne vient que d'un octet non ASCII : on ne décode que ceux-là
    arr = np.frombuffer(sample, np.uint8)
    sample = arr[arr >= 0x80].tobytes()
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


def has_utf8_seq(data: bytes) -> bool:
    """Le fichier contient-il une séquence UTF-8 courante (é, à, espace insécable, tirets…) ?

    Comme `re.search(rb"[\\xc3][\\x80-\\xbf]|\\xc2[\\xa0-\\xbf]|\\xe2\\x80[\\x90-\\xbf]", data)`,
    en ne regardant que les octets de tête possibles (rares en Windows-1252).

    Examples
    --------
    >>> has_utf8_seq("déjà".encode("utf-8")), has_utf8_seq("déjà".encode("cp1252"))
    (True, False)
    """
    arr = None
    for lead, follow in ((b"\xc3", (0x80, 0xBF, 1)), (b"\xc2", (0xA0, 0xBF, 1)),
                         (b"\xe2", (0x90, 0xBF, 2))):
        i, seen = data.find(lead), 0
        while i >= 0 and seen < 64:  # quelques occurrences : vérifiées une à une
            if _utf8_follows(data, i, follow):
                return True
            i, seen = data.find(lead, i + 1), seen + 1
        if i >= 0:  # octet de tête fréquent (« â » en Windows-1252) : vérification vectorisée
            arr = np.frombuffer(data, np.uint8) if arr is None else arr
            pos = np.flatnonzero(arr[i:] == lead[0]) + i
            lo, hi, k = follow
            pos = pos[pos + k < len(arr)]
            ok = (arr[pos + k] >= lo) & (arr[pos + k] <= hi)
            if k == 2:
                ok &= arr[pos + 1] == 0x80
            if ok.any():
                return True
    return False


def _utf8_follows(data: bytes, i: int, follow: tuple[int, int, int]) -> bool:
    lo, hi, k = follow
    if i + k >= len(data):
        return False
    return lo <= data[i + k] <= hi and (k == 1 or data[i + 1] == 0x80)


def utf8_head(data: bytes) -> bool:
    """Le début du fichier (échantillon) est-il de l'UTF-8 valide ?"""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data[:SAMPLE_BYTES],
                                                        final=len(data) <= SAMPLE_BYTES)
    except UnicodeDecodeError:
        return False
    return True


def prepare(data: bytes) -> tuple[bytes, str, str] | None:
    """Octets à lire, encodage reconnu et encodage de lecture, sans décoder tout le fichier.
    None si le fichier doit être décodé en entier d'abord (UTF-16, encodage mixte).

    Le lecteur C décode en mode strict : en UTF-8, seul l'échantillon est vérifié ici et le
    lecteur vérifie la suite ; un octet indécodable (UTF-8 invalide plus loin, octet non défini
    en Windows-1252) renvoie au décodage complet, qui remplace ou reconnaît l'encodage mixte.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        prep = (data[3:], "utf-8-sig", "utf-8")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    elif data.isascii() or utf8_head(data):
        prep = (data, "utf-8", "utf-8")
    else:
        single = best_single_byte(data[:200_000])
        if has_utf8_seq(data):
            return None
        prep = (data, single, single)
    return prep


def no_c1(buf: bytes, start: int) -> bool:
    """Aucun octet 0x80-0x9F à partir de `start` : Windows-1252 et Latin-1 y lisent alors les
    mêmes caractères."""
    arr = np.frombuffer(buf, np.uint8, offset=start)
    step = 1 << 20  # par blocs d'un Mo : tableaux intermédiaires gardés en cache
    return not any(((arr[i:i + step] - np.uint8(0x80)) < 0x20).any()
                   for i in range(0, len(arr), step))
