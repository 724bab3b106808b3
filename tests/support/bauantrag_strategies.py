"""Hypothesis strategies for Bauantrag envelopes (service ``bauantrag``, XBau 2.6 ``baugenehmigung.antrag.0200``).

``bauantrag_envelopes()`` draws envelopes the intake accepts: they validate against the envelope model
(:class:`hub.domain.envelope.SubmissionRequest`) and the form schema
(``config/emscher-lippe/forms/bauantrag.schema.json``), and every ``form.anlagen`` entry describes an
envelope attachment by its index, repeating its ``fileName`` and ``mediaType``. ``hub_objects()`` draws
the ``hub`` object the delivery connector adds before the XBau spec is applied.

The texts stay inside what XBau can carry, not what the form schema alone allows:

* names, addresses and free texts use printable Latin letters (with ``äöüÄÖÜß`` and a few other letters
  of DIN 91379, e.g. ``é ł ş``), digits, space and the punctuation ``- . , ' & / ( ) § : ;`` - all in the
  DIN 91379 data types C (names, addresses, texts) and D (Anlage ``bezeichnung``) that XBau uses;
* never empty, never leading or trailing whitespace (XBau's Schematron forbids elements that are empty or
  whitespace only); inner line breaks only in ``vorhaben.weitereAngaben`` (datatype C allows them,
  datatype D of the Anlage ``bezeichnung`` does not);
* file names match XBau's ``Dateiname`` (which the form schema now requires as well).

Code values: ``vorhaben.artDerMassnahme`` and ``entwurfsverfasser.kammer.kammer`` come from the XSD's
enumerations (``Codelist.BaumassnahmeArt``, ``Codelist.Kammer``). ``anlageart`` and the MIME type are not
enumerated by the XSD (``xs:token`` with a code list only in XRepository): ``anlageart`` uses the codes the
XSD documents (``0100``, ``0102``) and the main categories its code-list description names (whole
hundreds), the MIME types the ones the XSD names as examples plus common image and archive types.
"""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import string
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal

import yaml
from hypothesis import strategies as st

from tests.support.region import REAL_CONFIG

Envelope = dict[str, Any]
Draw = Callable[[st.SearchStrategy[Any]], Any]

_REGION = yaml.safe_load((REAL_CONFIG / "region.yaml").read_text(encoding="utf-8"))
MUNICIPALITIES: tuple[dict[str, Any], ...] = tuple(_REGION["municipalities"])
AGS: tuple[str, ...] = tuple(m["ags"] for m in MUNICIPALITIES)
_REGION_POSTAL_CODES = tuple(code for m in MUNICIPALITIES for code in m["postalCodes"])
_TOWNS = tuple(m["name"] for m in MUNICIPALITIES if m["kind"] != "kreis")

# --- code values -------------------------------------------------------------------------------------
BAUMASSNAHMEART = ("10", "11", "12", "13", "14", "20", "30")  # Codelist.BaumassnahmeArt (XSD enumeration)
KAMMERN = tuple(f"{n:02d}" for n in range(1, 32))  # Codelist.Kammer: 01 Architektenkammer NRW ... 31
ANLAGEARTEN = ("0100", "0101", "0102", "0200", "0300", "0400", "0500", "0600", "0700", "0800", "0900")
# (media type, file name extensions, leading bytes of such a file)
FILE_KINDS: tuple[tuple[str, tuple[str, ...], bytes], ...] = (
    ("application/pdf", ("pdf", "PDF"), b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"),
    ("image/jpeg", ("jpg", "jpeg", "JPG"), b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
    ("image/png", ("png",), b"\x89PNG\r\n\x1a\n"),
    ("image/tiff", ("tif", "tiff"), b"II*\x00"),
    ("text/plain", ("txt",), b"Bauantrag "),
    ("text/xml", ("xml",), b'<?xml version="1.0" encoding="UTF-8"?>'),
    ("application/zip", ("zip",), b"PK\x03\x04"),
    ("application/gzip", ("gz",), b"\x1f\x8b\x08\x00"),
)
MEDIA_TYPES = tuple(kind[0] for kind in FILE_KINDS)

# --- text pieces ----------------------------------------------------------------------------------------
_LOWER = string.ascii_lowercase + "äöüß" + "éèçñøåłšžćőş"
_UPPER = string.ascii_uppercase + "ÄÖÜ" + "ÉÇŁŠŽ"
GIVEN_NAMES = (
    "Erika", "Jürgen", "Özlem", "Hans-Peter", "Zoë", "François", "Łukasz", "Søren", "Björn", "Käthe",
    "Ümit", "Małgorzata", "Renée", "Ayşe", "Jörg", "Günther", "Marie-Luise", "Anna", "Ali", "Miloš",
)  # fmt: skip
FAMILY_NAMES = (
    "Mustermann", "Müller", "Schäfer", "Öztürk", "Groß", "Weiß", "Krämer", "Nowak", "Dąbrowski",
    "Yılmaz", "von der Heide", "Schulze-Büttger", "D'Amico", "Straßburger", "Çelik", "Łukaszewicz",
    "ter Horst", "Nguyễn",
)  # fmt: skip
STREETS = (
    "Musterstraße", "Hochstraße", "Am Alten Markt", "Zur Zeche Ewald", "Buerer Str.", "Dr.-Ernst-Ruhr-Weg",
    "Straße des 17. Juni", "Goethestraße", "An der Lippe", "Kirchplatz", "Hülsstraße", "Ückendorfer Straße",
)  # fmt: skip
GEMARKUNGEN = (
    "Gladbeck", "Buer", "Horst", "Gelsenkirchen", "Recklinghausen", "Marl", "Polsum", "Hervest", "Wulfen",
    "Holsterhausen", "Lembeck", "Ickern", "Henrichenburg", "Bottrop", "Kirchhellen", "Haltern", "Lippramsdorf",
    "Oer", "Erkenschwick", "Westerholt", "Datteln", "Ahsen", "Waltrop", "Dorsten", "Hamm-Bossendorf",
)  # fmt: skip
VORHABEN = (
    "Neubau eines Einfamilienhauses mit Carport",
    "Anbau eines Wintergartens an das bestehende Wohnhaus",
    "Nutzungsänderung: Ladenlokal zu Café",
    "Errichtung einer Doppelhaushälfte mit Garage",
    "Abbruch einer Scheune (ca. 120 m²)",
    "Umbau und Aufstockung des Mehrfamilienhauses, 2. Bauabschnitt",
    "Neubau von 12 Wohneinheiten & Tiefgarage",
    "Werbeanlage an der Fassade, § 10 BauO NRW",
)
ANLAGEN = (
    "Nachweis der Bauvorlageberechtigung",
    "Lageplan M 1:500",
    "Grundriss EG",
    "Grundriss 3. OG",
    "Ansicht Süd-West",
    "Baubeschreibung",
    "Standsicherheitsnachweis (Statik)",
    "Brandschutzkonzept",
    "Auszug aus der Liegenschaftskarte",
    "Wärmeschutznachweis nach GEG",
    "Foto Bestand Straßenseite",
)
_LEGAL_FORMS = ("GmbH", "GmbH & Co. KG", "AG", "eG", "KG", "e. V.", "Wohnungsbau GmbH", "Grundbesitz GbR")
_STREET_SUFFIXES = ("straße", "str.", "weg", "allee", "platz", "ring", "gasse", "damm")
_PUNCTUATION = (",", ".", ";", ":", " -", " /", " &", " (Bestand)", " §")


def _joined(word: st.SearchStrategy[str], separator: st.SearchStrategy[str], max_words: int) -> st.SearchStrategy[str]:
    """1 to ``max_words`` words joined by single separators: no leading, trailing or doubled whitespace."""
    return st.builds(
        lambda first, rest: first + "".join(sep + w for sep, w in rest),
        word,
        st.lists(st.tuples(separator, word), max_size=max_words - 1),
    )


_WORD = st.builds(lambda first, rest: first + rest, st.sampled_from(_UPPER), st.text(_LOWER, min_size=1, max_size=11))
"""A capitalised word of Latin letters (with umlauts, ß and other DIN 91379 letters), e.g. ``Kößłer``."""

_GIVEN_NAMES = st.one_of(st.sampled_from(GIVEN_NAMES), _joined(_WORD, st.sampled_from([" ", "-"]), 3))
_FAMILY_NAMES = st.one_of(
    st.sampled_from(FAMILY_NAMES),
    _joined(_WORD, st.just("-"), 2),
    st.builds(lambda p, w: p + w, st.sampled_from(["von ", "van der ", "de ", "O'"]), _WORD),
)
_ORGANISATION_NAMES = st.builds(
    lambda words, legal: f"{words} {legal}",
    _joined(_WORD, st.sampled_from([" ", "-", " & "]), 3),
    st.sampled_from(_LEGAL_FORMS),
)
_STREETS = st.one_of(
    st.sampled_from(STREETS),
    st.builds(lambda w, s: w + s, _WORD, st.sampled_from(_STREET_SUFFIXES)),
    st.builds(lambda p, w: p + w, st.sampled_from(["Am ", "An der ", "Im ", "Zum "]), _WORD),
)
_HOUSE_NUMBERS = st.one_of(
    st.builds(lambda n, letter: f"{n}{letter}", st.integers(1, 999), st.sampled_from(["", "", "a", "b", " c", "h"])),
    st.builds(lambda a, d: f"{a}-{a + d}", st.integers(1, 300), st.integers(1, 6)),
    st.builds(lambda a, b: f"{a}/{b}", st.integers(1, 99), st.integers(1, 9)),
)
_POSTAL_CODES = st.one_of(st.sampled_from(_REGION_POSTAL_CODES), st.integers(1067, 99998).map("{:05d}".format))
_CITIES = st.one_of(
    st.sampled_from((*_TOWNS, "Lünen", "Mülheim an der Ruhr", "Düsseldorf", "Köln", "Münster", "Essen")), _WORD
)
_TOKEN = st.one_of(_WORD, _WORD.map(str.lower), st.integers(1, 2030).map(str), st.sampled_from(ANLAGEN))
_SEPARATORS = (" ", " ", " ", *(p + " " for p in _PUNCTUATION))


def texts(max_words: int, line_breaks: bool = False) -> st.SearchStrategy[str]:
    """A sentence-like text: words, numbers and punctuation of DIN 91379 datatype C and D."""
    separators = (*_SEPARATORS, "\n", ".\n") if line_breaks else _SEPARATORS
    return _joined(_TOKEN, st.sampled_from(separators), max_words)


def dates(low: date, high: date) -> st.SearchStrategy[str]:
    return st.dates(min_value=low, max_value=high).map(date.isoformat)


def _digits(max_digits: int) -> st.SearchStrategy[str]:
    """A Flur / Zähler / Nenner: mostly plain numbers, sometimes with leading zeros (the form allows them)."""
    return st.one_of(
        st.integers(1, 10**max_digits - 1).map(str),
        st.builds(lambda n, width: f"{n:0{width}d}", st.integers(0, 10 ** (max_digits - 1) - 1), st.just(max_digits)),
    )


# --- parts of the envelope (built once: constructing strategies per draw is slow) ----------------------------
def _address(countries: bool) -> st.SearchStrategy[dict[str, str]]:
    optional: dict[str, st.SearchStrategy[str]] = {"houseNumber": _HOUSE_NUMBERS}
    if countries:
        optional["country"] = st.sampled_from(["DE", "DE", "DE", "NL", "AT", "PL", "TR"])
    return st.fixed_dictionaries({"street": _STREETS, "postalCode": _POSTAL_CODES, "city": _CITIES}, optional=optional)


_ADDRESSES = _address(countries=True)
_EMAILS = st.builds(
    lambda local, sep, tail, domain: f"{local}{sep}{tail}@{domain}",
    st.text(string.ascii_lowercase, min_size=1, max_size=12),
    st.sampled_from(["", ".", "-", "_"]),
    st.text(string.ascii_lowercase + string.digits, max_size=8),
    st.sampled_from(["example.org", "beispiel.de", "gladbeck.example", "mail.example.com"]),
).map(lambda e: e.replace(".@", "@").replace("-@", "@").replace("_@", "@"))
_PHONES = st.builds(
    lambda prefix, area, number: f"{prefix}{area} {number}",
    st.sampled_from(["+49 ", "0"]),
    st.integers(201, 9999),
    st.integers(1000, 99999999),
)
_PERSONS = st.fixed_dictionaries(
    {"kind": st.just("person"), "givenName": _GIVEN_NAMES, "familyName": _FAMILY_NAMES, "address": _ADDRESSES},
    optional={"birthDate": dates(date(1920, 1, 1), date(2008, 12, 31)), "email": _EMAILS, "phone": _PHONES},
)
_ORGANISATIONS = st.fixed_dictionaries(
    {"kind": st.just("organisation"), "organisationName": _ORGANISATION_NAMES, "address": _ADDRESSES},
    optional={"email": _EMAILS, "phone": _PHONES},
)
_PARTIES = st.one_of(_PERSONS, _ORGANISATIONS)
_ENTWURFSVERFASSER = st.fixed_dictionaries(
    {
        "givenName": _GIVEN_NAMES,
        "familyName": _FAMILY_NAMES,
        "address": _ADDRESSES,
        "kammer": st.fixed_dictionaries(
            {
                "kammer": st.one_of(st.sampled_from(["01", "02"]), st.sampled_from(KAMMERN)),
                "mitgliedsnummer": st.builds(
                    lambda prefix, number, suffix: f"{prefix}{number}{suffix}",
                    st.sampled_from(["", "", "A-", "AKNW-", "IK-"]),
                    st.integers(100, 99999999),
                    st.sampled_from(["", "", "/NRW", "/01"]),
                ),
            }
        ),
    }
)
_FLURSTUECKE = st.fixed_dictionaries(
    {"gemarkung": st.one_of(st.sampled_from(GEMARKUNGEN), _WORD), "zaehler": _digits(5)},
    optional={"flur": _digits(3), "nenner": _digits(4)},
)
_GRUNDSTUECKE = st.fixed_dictionaries(
    {"flurstuecke": st.lists(_FLURSTUECKE, min_size=1, max_size=3)},
    optional={  # no, a partial or a full address
        "address": st.fixed_dictionaries(
            {},
            optional={"street": _STREETS, "houseNumber": _HOUSE_NUMBERS, "postalCode": _POSTAL_CODES, "city": _CITIES},
        )
    },
)
_VORHABEN = st.fixed_dictionaries(
    {
        "bezeichnung": st.one_of(st.sampled_from(VORHABEN), texts(max_words=10)),
        "artDerMassnahme": st.sampled_from(BAUMASSNAHMEART),
        "anzahlGebaeude": st.one_of(st.integers(0, 5), st.integers(0, 1000)),
    },
    optional={"weitereAngaben": texts(max_words=30, line_breaks=True)},
)
_FILE_STEMS = st.builds(
    lambda stem, tail: stem + tail,
    _joined(
        st.one_of(
            st.text(string.ascii_letters + string.digits + "äöüÄÖÜß", min_size=1, max_size=12),
            st.sampled_from(["Lageplan M 1-500", "Grundriss EG", "Ansicht Süd-West", "Schnitt A-A"]),
        ),
        st.sampled_from([" ", "_", "-", " - ", ", ", "."]),
        4,
    ),
    st.sampled_from(["", "", " (2)", "_v3", " [final]", " 1+2", " Nr. 5", " §6", " 100%", " #4", "~", " = Plan"]),
)
"""File names without extension, in XBau's ``Dateiname`` alphabet ``[-a-zA-Z0-9ÄÖÜäöüß _!=+~,;.#°§$%()[]]``."""


@st.composite
def _attachments(draw: Draw) -> dict[str, str]:
    media_type, extensions, magic = draw(st.sampled_from(FILE_KINDS))
    content = magic + draw(st.binary(max_size=48))
    return {
        "fileName": f"{draw(_FILE_STEMS)}.{draw(st.sampled_from(extensions))}",
        "mediaType": media_type,
        "sha256": hashlib.sha256(content).hexdigest(),
        "content": base64.b64encode(content).decode("ascii"),
    }


_ATTACHMENTS = _attachments()
_ANLAGE_METADATA = st.fixed_dictionaries(
    {
        "anlageart": st.sampled_from(ANLAGEARTEN),
        "bezeichnung": st.one_of(st.sampled_from(ANLAGEN), texts(max_words=5)),
        "datum": dates(date(2015, 1, 1), date(2026, 12, 31)),
    }
)
_PORTAL_REFERENCES = st.builds(
    lambda town, year, n: f"{town}-{year}-{n:06d}",
    st.sampled_from(["GLA", "BOT", "GE", "REK", "MAR", "DOR"]),
    st.integers(2024, 2030),
    st.integers(0, 999999),
)


def parties() -> st.SearchStrategy[dict[str, Any]]:
    """An applicant or builder-owner: valid as the envelope's ``applicant`` and as a ``form.bauherren`` item."""
    return _PARTIES


def attachments() -> st.SearchStrategy[dict[str, str]]:
    """An envelope attachment: a small file of one of ``FILE_KINDS``, base64, with its SHA-256."""
    return _ATTACHMENTS


@functools.lru_cache
def _order(n: int) -> st.SearchStrategy[list[int]]:
    return st.permutations(range(n))


@functools.lru_cache
def _anlagen_metadata(n: int) -> st.SearchStrategy[list[dict[str, str]]]:
    return st.lists(_ANLAGE_METADATA, min_size=n, max_size=n)


@st.composite
def bauantrag_envelopes(
    draw: Draw, max_bauherren: int = 3, max_grundstuecke: int = 3, max_anlagen: int = 5
) -> Envelope:
    """A Bauantrag envelope the intake accepts (see the module's docstring)."""
    applicant = draw(_PARTIES)
    files = draw(st.lists(_ATTACHMENTS, min_size=1, max_size=max_anlagen))
    # form.anlagen describes every attachment once, by index, in any order, repeating its name and type
    anlagen = [
        {"attachment": i, **meta, "fileName": files[i]["fileName"], "mediaType": files[i]["mediaType"]}
        for i, meta in zip(draw(_order(len(files))), draw(_anlagen_metadata(len(files))), strict=True)
    ]
    envelope: Envelope = {
        "service": "bauantrag",
        "municipality": draw(st.sampled_from(AGS)),
        "applicant": applicant,
        "form": {
            # the applicant first, in the applicant's shape (the portal copies it), then further builder-owners
            "bauherren": [copy.deepcopy(applicant), *draw(st.lists(_PARTIES, max_size=max_bauherren - 1))],
            "entwurfsverfasser": draw(_ENTWURFSVERFASSER),
            "grundstuecke": draw(st.lists(_GRUNDSTUECKE, min_size=1, max_size=max_grundstuecke)),
            "vorhaben": draw(_VORHABEN),
            "anlagen": anlagen,
        },
        "attachments": files,
    }
    if draw(st.booleans()):
        envelope["portalReference"] = draw(_PORTAL_REFERENCES)
    return envelope


_CREATED_AT = st.builds(
    lambda moment, hours: moment.replace(tzinfo=timezone(timedelta(hours=hours))).isoformat(timespec="seconds"),
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31)),
    st.sampled_from([1, 2]),
)


@functools.lru_cache
def hub_objects(municipality: str | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """The ``hub`` object the delivery connector adds (see the header of ``mappings/bauantrag.xbau-2.6.yaml``)."""
    codes = st.just(municipality) if municipality else st.sampled_from(AGS)
    return st.fixed_dictionaries(
        {
            "messageId": st.uuids(version=4).map(str),
            "submissionId": st.uuids(version=4).map(str),
            "createdAt": _CREATED_AT,
            "author": st.fixed_dictionaries(
                {"prefix": st.just("psw"), "code": codes, "name": st.just("Emscher-Lippe Integration Hub")}
            ),
            "reader": st.fixed_dictionaries(
                {"prefix": st.just("bau"), "code": codes, "name": st.sampled_from(["Bauordnungsamt", "Bauaufsicht"])}
            ),
        }
    )


# --- invalid variants ----------------------------------------------------------------------------------------
Breakage = Callable[[Draw, Envelope], str]
"""Breaks one field of ``envelope`` in place and returns the JSON pointer the intake must report."""


def _plot_parcel(draw: Draw, envelope: Envelope) -> tuple[int, int, dict[str, Any]]:
    plots = envelope["form"]["grundstuecke"]
    i = draw(st.integers(0, len(plots) - 1))
    j = draw(st.integers(0, len(plots[i]["flurstuecke"]) - 1))
    return i, j, plots[i]["flurstuecke"][j]


def _anlage(draw: Draw, envelope: Envelope) -> tuple[int, dict[str, Any]]:
    k = draw(st.integers(0, len(envelope["form"]["anlagen"]) - 1))
    return k, envelope["form"]["anlagen"][k]


def _zaehler_not_digits(draw: Draw, envelope: Envelope) -> str:
    i, j, parcel = _plot_parcel(draw, envelope)
    parcel["zaehler"] = draw(st.sampled_from(["12a", "12/3", "A", "123456", "", " 12"]))
    return f"/form/grundstuecke/{i}/flurstuecke/{j}/zaehler"


def _gemarkung_missing(draw: Draw, envelope: Envelope) -> str:
    i, j, parcel = _plot_parcel(draw, envelope)
    del parcel["gemarkung"]
    return f"/form/grundstuecke/{i}/flurstuecke/{j}/gemarkung"


def _required_missing(draw: Draw, envelope: Envelope) -> str:
    path = draw(
        st.sampled_from(
            [
                ("vorhaben", "bezeichnung"),
                ("vorhaben", "artDerMassnahme"),
                ("entwurfsverfasser", "kammer", "mitgliedsnummer"),
                ("entwurfsverfasser", "familyName"),
                ("grundstuecke",),
                ("anlagen",),
            ]
        )
    )
    parent = envelope["form"]
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    return "/form/" + "/".join(path)


def _anlage_datum_missing(draw: Draw, envelope: Envelope) -> str:
    k, anlage = _anlage(draw, envelope)
    del anlage["datum"]
    return f"/form/anlagen/{k}/datum"


def _postal_code_not_five_digits(draw: Draw, envelope: Envelope) -> str:
    i = draw(st.integers(0, len(envelope["form"]["bauherren"]) - 1))
    envelope["form"]["bauherren"][i]["address"]["postalCode"] = draw(st.sampled_from(["4596", "459640", "D-45964"]))
    return f"/form/bauherren/{i}/address/postalCode"


def _art_der_massnahme_unknown(draw: Draw, envelope: Envelope) -> str:
    envelope["form"]["vorhaben"]["artDerMassnahme"] = draw(st.sampled_from(["15", "40", "Neubau", "11 "]))
    return "/form/vorhaben/artDerMassnahme"


def _anlage_datum_impossible(draw: Draw, envelope: Envelope) -> str:
    k, anlage = _anlage(draw, envelope)
    anlage["datum"] = draw(st.sampled_from(["2026-02-30", "2026-13-01", "02.05.2026", "2026-5-2"]))
    return f"/form/anlagen/{k}/datum"


def _file_name_not_xbau(draw: Draw, envelope: Envelope) -> str:
    k, anlage = _anlage(draw, envelope)
    name = draw(st.sampled_from(["Statik & Brandschutz.pdf", "Café Grundriss.pdf", "Lageplan", "O'Neil.jpg", ".pdf"]))
    anlage["fileName"] = name
    envelope["attachments"][anlage["attachment"]]["fileName"] = name  # the envelope model accepts it
    return f"/form/anlagen/{k}/fileName"


def _mitgliedsnummer_control_character(draw: Draw, envelope: Envelope) -> str:
    envelope["form"]["entwurfsverfasser"]["kammer"]["mitgliedsnummer"] = draw(st.sampled_from(["A\x01B", "12\x7f3"]))
    return "/form/entwurfsverfasser/kammer/mitgliedsnummer"


def _kammer_not_in_code_list(draw: Draw, envelope: Envelope) -> str:
    envelope["form"]["entwurfsverfasser"]["kammer"]["kammer"] = draw(st.sampled_from(["00", "32", "99"]))
    return "/form/entwurfsverfasser/kammer/kammer"


def _anlage_datum_year_zero(draw: Draw, envelope: Envelope) -> str:
    k, anlage = _anlage(draw, envelope)
    anlage["datum"] = "0000-" + anlage["datum"][5:]
    return f"/form/anlagen/{k}/datum"


def _text_outside_din_91379(draw: Draw, envelope: Envelope) -> str:
    where, text = draw(
        st.sampled_from(
            [
                (
                    ("vorhaben", "bezeichnung"),
                    "Neubau „Haus am See“ – 2. BA",
                ),  # German quotes, en dash: datatype D only
                (("vorhaben", "weitereAngaben"), "Dachneigung 45° ✓"),
                (("entwurfsverfasser", "familyName"), "Παπαδόπουλος"),  # Greek: datatype D/E, not C
                (("entwurfsverfasser", "address", "street"), "Hauptstraße\u200b 1"),  # zero-width space
                (("entwurfsverfasser", "givenName"), "Max\x07"),
            ]
        )
    )
    parent = envelope["form"]
    for key in where[:-1]:
        parent = parent[key]
    parent[where[-1]] = text
    return "/form/" + "/".join(where)


def _gemarkung_outside_din_91379(draw: Draw, envelope: Envelope) -> str:
    i, j, parcel = _plot_parcel(draw, envelope)
    parcel["gemarkung"] = draw(st.sampled_from(["Gladbeck 🏠", "Горст", "Buer\tMitte\x0b"]))
    return f"/form/grundstuecke/{i}/flurstuecke/{j}/gemarkung"


def _anlage_bezeichnung_line_break(draw: Draw, envelope: Envelope) -> str:
    k, anlage = _anlage(draw, envelope)
    anlage["bezeichnung"] = draw(st.sampled_from(["Grundriss\nEG", "Ansicht\tSüd", "Lageplan\r\nM 1:500"]))
    return f"/form/anlagen/{k}/bezeichnung"


def _anzahl_gebaeude_float(draw: Draw, envelope: Envelope) -> str:
    envelope["form"]["vorhaben"]["anzahlGebaeude"] = float(draw(st.integers(0, 20)))
    return "/form/vorhaben/anzahlGebaeude"


FORM_BREAKAGES: tuple[Breakage, ...] = (
    _zaehler_not_digits,
    _gemarkung_missing,
    _required_missing,
    _anlage_datum_missing,
    _postal_code_not_five_digits,
    _art_der_massnahme_unknown,
    _anlage_datum_impossible,
    _file_name_not_xbau,
    _mitgliedsnummer_control_character,
)
MAPPING_BREAKAGES: tuple[Breakage, ...] = (
    _kammer_not_in_code_list,
    _anlage_datum_year_zero,
    _text_outside_din_91379,
    _gemarkung_outside_din_91379,
    _anlage_bezeichnung_line_break,
    _anzahl_gebaeude_float,
)


def invalid_bauantrag_envelopes(
    caught_by: Literal["form", "mapping"] | None = None,
) -> st.SearchStrategy[tuple[Envelope, str]]:
    """``(envelope, pointer)``: a valid envelope with one field broken; the intake answers 422 naming ``pointer``.

    The envelope model (:class:`SubmissionRequest`) accepts every variant; which check rejects it:

    Caught by the FORM SCHEMA (``caught_by="form"``, ``FormSchema.problems`` names the pointer):

    * a Flurstück ``zaehler`` that is not 1-5 digits (``12a``, ``12/3``, empty, ...). The XSD would take it
      (``xs:token``): only the form's pattern stops it;
    * a missing required field: ``gemarkung``, ``vorhaben.bezeichnung``/``artDerMassnahme``, the
      Entwurfsverfasser's ``familyName``/``mitgliedsnummer``, ``grundstuecke``, ``anlagen``, an Anlage's ``datum``;
    * a builder-owner's postal code that is not 5 digits;
    * an ``artDerMassnahme`` outside ``Codelist.BaumassnahmeArt``;
    * an Anlage ``datum`` that is no calendar date (``2026-02-30``, ``02.05.2026``);
    * an Anlage ``fileName`` outside XBau's ``Dateiname`` (``&``, ``é``, ``'``, no extension; the attachment
      carries the same name, which the envelope model accepts);
    * a ``mitgliedsnummer`` with a control character (before the form required printable characters, this one
      crashed the mapping with lxml's ``ValueError`` instead of a 422).

    Let through by the form schema, caught by the MAPPING (``caught_by="mapping"``: ``MappingError`` names the
    pointer, before any XSD validation of the document):

    * a ``kammer`` code of two digits outside ``Codelist.Kammer`` (``00``, ``32``, ``99``);
    * an Anlage ``datum`` in year ``0000`` (RFC 3339 ``full-date`` allows it, XSD 1.0 ``xs:date`` does not);
    * a text outside DIN 91379 datatype C in a source-mapped field (German quotes and en dash, ``✓``, Greek,
      a zero-width space, a control character), or a ``gemarkung`` with an emoji, Cyrillic or a control character;
    * an Anlage ``bezeichnung`` with a tab or line break (datatype D has none);
    * ``anzahlGebaeude`` as a JSON number with a fraction part (``2.0``: an ``integer`` for JSON Schema, not
      an ``xs:nonNegativeInteger`` literal).

    Not included because nothing catches them: an ``anlageart`` or MIME type outside the XBau code lists
    (``xs:token`` in the XSD, no enumeration), an Anlage whose ``attachment`` index has no attachment or whose
    ``fileName``/``mediaType`` differ from it (no check across the form and the attachments), and texts that are
    whitespace only or have leading/trailing whitespace (valid for the XSD, rejected by XBau's Schematron
    ``sch-xbau-gen-001`` only).
    """
    breakages = {"form": FORM_BREAKAGES, "mapping": MAPPING_BREAKAGES, None: FORM_BREAKAGES + MAPPING_BREAKAGES}

    @st.composite
    def build(draw: Draw) -> tuple[Envelope, str]:
        envelope = draw(bauantrag_envelopes(max_bauherren=2, max_grundstuecke=2, max_anlagen=3))
        breakage = draw(st.sampled_from(breakages[caught_by]))
        return envelope, breakage(draw, envelope)

    return build()
