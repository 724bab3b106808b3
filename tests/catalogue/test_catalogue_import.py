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
    "broken",
    [
        "INSERT INTO `t` (`a`, `b`) VALUES (1);",
        "INSERT INTO `t` (`a`) VALUES ('open);",
        "INSERT INTO `t` (`a`) VALUES (1) (2);",
        "INSERT INTO `t` (`a`) VALUES (bogus);",
    ],
)
def test_a_dump_it_cannot_read_is_refused_with_its_line(broken: str) -> None:
    with pytest.raises(DumpError, match="line 1"):
        list(rows(broken, "t"))


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
