"""The importer reads KDN NRW's OZG database dump as mysqldump writes it, and the offer rule decides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.catalogue import Offers, ServiceKind, load_catalogue
from hub.catalogue.entry import CatalogueEntry, kind_of
from hub.catalogue.mysql_dump import DumpError, rows
from hub.catalogue.ozg_nrw import catalogue_from_dump
from hub.config import PROJECT_ROOT
from hub.errors import ConfigError
from hub.routing import load_region
from tests.support.cli import HubCli, clean_environ, describe

OZG_DUMP = PROJECT_ROOT.parent / "shared" / "standards" / "ozg-nrw" / "symfony.data.sql"
SHIPPED = PROJECT_ROOT / "config" / "emscher-lippe" / "catalogue" / "ozg-nrw.services.json"


def test_rows_read_mysqldump_strings_with_their_escapes() -> None:
    dump = (
        "INSERT INTO `t` (`id`, `name`, `note`, `n`) VALUES\n"
        " (1,'O\\'Brien \\\\ Söhne','a\\nb',NULL),\n"
        " (2,'it''s','tab\\there',-2.5);\n"
        "INSERT INTO `other` (`id`) VALUES (9);\n"
    )
    assert list(rows(dump, "t")) == [
        {"id": 1, "name": "O'Brien \\ Söhne", "note": "a\nb", "n": None},
        {"id": 2, "name": "it's", "note": "tab\there", "n": -2.5},
    ]


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        (r"'\0'", "\0"),
        (r"'\b'", "\b"),
        (r"'\r\n'", "\r\n"),
        (r"'\Z'", "\x1a"),
        (r"'\"zitiert\"'", '"zitiert"'),
        (r"'50\% \_x'", r"50\% \_x"),  # MySQL keeps the backslash of LIKE's escapes
        (r"'\q'", "q"),  # any other escaped character stands for itself
        ("'a;b),(c'", "a;b),(c"),
        ("''", ""),
        ("'\\\\'", "\\"),
        ("1e3", 1000.0),
        ("0", 0),
    ],
)
def test_each_mysql_escape_and_literal_reads_as_mysql_reads_it(literal: str, value: object) -> None:
    assert list(rows(f"INSERT INTO `t` (`v`) VALUES ({literal});", "t")) == [{"v": value}]


def test_text_inside_strings_and_comments_is_never_taken_for_a_statement() -> None:
    # Given a dump whose strings and comments look like SQL, with the table split over two statements
    dump = (
        "-- MySQL dump; INSERT INTO `t` (`id`) VALUES (666);\n"
        "/*!40101 SET NAMES utf8 */;\n"
        "CREATE TABLE `t` (`id` int COMMENT 'a; b');\n"
        "INSERT INTO `other` (`d`) VALUES ('x\\'; INSERT INTO `t` (`id`) VALUES (667);'),(\"y;\");\n"
        "LOCK TABLES `t` WRITE;\n"
        "/*!40000 ALTER TABLE `t` DISABLE KEYS */;\n"
        "INSERT INTO `t` (`id`, `s`) VALUES (1,'INSERT INTO `t` (`id`, `s`) VALUES (668,\\'x\\');'),(2,'x');\n"
        "INSERT INTO `t` (`id`, `s`) VALUES (3,'y');\n"
        "UNLOCK TABLES;\n"
        "-- Dump completed\n"
    )
    seen: list[int] = []

    # Then only the table's real rows are read, and progress ends at the dump's end
    assert [r["id"] for r in rows(dump, "t", progress=seen.append)] == [1, 2, 3]
    assert seen == sorted(seen)
    assert seen[-1] == len(dump)


@pytest.mark.parametrize(
    "broken",
    [
        "INSERT INTO `t` (`a`, `b`) VALUES (1);",
        "INSERT INTO `t` (`a`) VALUES ('open);",
        "INSERT INTO `t` (`a`) VALUES ('open\\",
        "INSERT INTO `t` (`a`) VALUES (1) (2);",
        "INSERT INTO `t` (`a`) VALUES (1),(2)",
        "INSERT INTO `t` (`a`) VALUES (bogus);",
        "INSERT INTO `t` (`a`) VALUES (0x41);",
        "INSERT INTO `t` VALUES (1);",
        "LOCK TABLES `t` WRITE",
    ],
)
def test_a_dump_it_cannot_read_is_refused_with_its_line(broken: str) -> None:
    with pytest.raises(DumpError, match="line 1"):
        list(rows(broken, "t"))


def test_a_refusal_names_the_line_of_a_multi_line_dump() -> None:
    dump = "INSERT INTO `t` (`a`) VALUES\n (1),\n (2),\n ('x' 'y');\n"
    with pytest.raises(DumpError, match=r"^line 4: expected ',' or '\)' in a row"):
        list(rows(dump, "t"))


def test_the_leika_type_says_who_carries_a_service_out() -> None:
    assert kind_of("2/3") is ServiceKind.MUNICIPAL
    assert kind_of("4") is ServiceKind.MUNICIPAL
    assert kind_of("5") is ServiceKind.MUNICIPAL
    assert kind_of("1, 2/3") is ServiceKind.MUNICIPAL
    assert kind_of("1") is ServiceKind.FEDERAL
    assert kind_of("2") is ServiceKind.STATE
    assert kind_of("") is ServiceKind.UNCLASSIFIED


def test_the_shipped_catalogue_is_what_the_import_of_the_source_gives() -> None:
    # Given the official dump beside the checkout
    imported, report = catalogue_from_dump(OZG_DUMP.read_text(encoding="utf-8"))

    # Then every keyed row is an entry, and the shipped file holds exactly those (a re-import diffs clean)
    assert report.imported == len(imported) > 4000
    assert report.duplicates == []
    shipped = load_catalogue(SHIPPED)
    assert shipped.entries == imported.entries
    assert shipped.source["commit"] == "d6dafea5"
    # And the examples are there, as the source has them
    assert shipped.entries["99107023000000"].name == "Wohngeld"
    assert shipped.entries["99050012104000"].name == "Gewerbe Anmeldung"
    assert shipped.entries["99001009000000"].kind is ServiceKind.MUNICIPAL


def test_hub_catalogue_import_writes_a_sorted_catalogue_naming_its_source(tmp_path: Path) -> None:
    target = tmp_path / "catalogue.json"
    env = {**clean_environ(), "HUB_CONFIG_DIR": str(PROJECT_ROOT / "config" / "emscher-lippe")}
    result = HubCli(env).run("catalogue", "import", str(OZG_DUMP), "--output", str(target))
    assert result.returncode == 0, describe(result)
    assert "municipal) written to" in result.stdout
    document = json.loads(target.read_text(encoding="utf-8"))
    keys = [s["leika"] for s in document["services"]]
    assert keys == sorted(keys)
    assert document["source"]["repository"] == "https://github.com/kdn-nrw/OZG-Datenbank-NRW"
    assert target.read_bytes() == SHIPPED.read_bytes()


def test_the_offer_rule_by_default_list_or_none() -> None:
    municipal = CatalogueEntry("99001009000000", "Sperrmüll", "5", ServiceKind.MUNICIPAL)
    federal = CatalogueEntry("99102005000000", "Bundessache", "1", ServiceKind.FEDERAL)
    offers = Offers.from_config({"default": "municipal", "05562000": ["99102005000000"], "05512000": "none"}, "test")
    assert offers.offers("05513000", municipal)
    assert not offers.offers("05513000", federal)
    assert offers.offers("05562000", federal)
    assert not offers.offers("05562000", municipal)
    assert not offers.offers("05512000", municipal)
    with pytest.raises(ConfigError, match="not 14-digit"):
        Offers.from_config({"05562000": ["123"]}, "test")


def test_hub_catalogue_show_names_who_offers_a_key_and_refuses_an_unknown_one() -> None:
    generic = load_region(PROJECT_ROOT / "config" / "emscher-lippe").generic
    assert generic is not None
    municipal = sorted(generic.catalogue.of_kind(ServiceKind.MUNICIPAL) - set(generic.overridden))[0]
    federal = sorted(generic.catalogue.of_kind(ServiceKind.FEDERAL))[0]
    own_key, own_services = sorted(generic.overridden.items())[0]
    env = {**clean_environ(), "HUB_CONFIG_DIR": str(PROJECT_ROOT / "config" / "emscher-lippe"), "COLUMNS": "400"}
    cli = HubCli(env)

    # A municipal key: every body; a federal one: none; one with a service of its own: that service
    shown = cli.run("catalogue", "show", municipal, federal, own_key)
    assert shown.returncode == 0, describe(shown)
    lines = shown.stdout.splitlines()
    row = {key: next(line for line in lines if key in line) for key in (municipal, federal, own_key)}
    assert all(body in row[municipal] for body in ("municipal", "Gladbeck", "Bottrop", "Waltrop"))
    assert all(word not in row[federal] for word in ("municipal", "Gladbeck", "Bottrop", "Waltrop"))
    assert all(repr(service) in row[own_key] for service in own_services), row[own_key]
    assert "its own service" in row[own_key]

    # An unknown key fails, naming it
    unknown = cli.run("catalogue", "show", "00000000000000")
    assert unknown.returncode != 0
    assert "not in the catalogue: 00000000000000" in unknown.stderr
