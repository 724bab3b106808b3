"""The Emscher-Lippe deployment files hang together: region, form schemas, samples, mapping specs.

Checks the files as data only: no hub code is imported (the region loader, mapping engine and
router have their own tests). The named mapping functions in ``mappings/functions.py`` are part
of the specs and are called on the samples.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config" / "emscher-lippe"
MAPPINGS = ROOT / "mappings"
STANDARD = "fachverfahren-json"

# The services the brief named; the region may hold more (`hub services new` adds them as data).
BRIEF_SERVICES = (
    "hundesteuer-anmeldung",
    "hundesteuer-abmeldung",
    "sperrmuell",
    "sondernutzung",
    "meldebescheinigung",
    "wohnberechtigungsschein",
    "zaehlerstandsmeldung",
    "handwerkerparkausweis",
    "gewerbe-anmeldung",
    "gewerbe-ummeldung",
    "gewerbe-abmeldung",
    "bauantrag",
    "wohngeld-antrag",
    "hilfe-zum-lebensunterhalt",
)


def _region_service_ids() -> tuple[str, ...]:
    loaded = yaml.safe_load((CONFIG / "region.yaml").read_text(encoding="utf-8"))
    return tuple(str(s["id"]) for s in loaded["services"])


def _mapped_to(standard: str) -> tuple[str, ...]:
    """The region's services with a mapping spec for that standard (mappings/<service>.<standard>.yaml)."""
    return tuple(s for s in SERVICES if (MAPPINGS / f"{s}.{standard}.yaml").is_file())


# Taken from the region and its mapping files, never listed here: a new service is covered as it lands.
SERVICES = _region_service_ids()
# Services delivered as the back offices' JSON (mappings/<service>.fachverfahren-json.yaml); the
# Bauantrag is XBau (checked in tests/mapping_xml), the FIT-Connect services' specs are checked in
# tests/sozialplattform, business registrations (XGewerbeanzeige) in tests/xta.
JSON_SERVICES = _mapped_to("fachverfahren-json")
MUST_REACH_EVERY_TOWN = ("hundesteuer-anmeldung", "sperrmuell", "sondernutzung")
TOWN_KINDS = {"kreisfreie-stadt", "kreisangehoerige-stadt"}
KINDS = TOWN_KINDS | {"kreis"}
TRANSFORMS = {"date_de", "bool_ja_nein", "upper", "lower", "string", "integer"}
RULE_KEYS = {
    "target",
    "source",
    "const",
    "each",
    "fields",
    "function",
    "transform",
    "join",
    "optional",
    "when",
    "codes",
}
ABSENT = object()

# The envelope as hub/domain/envelope.py accepts it, restated as JSON Schema so that these
# tests need no hub import. Keep in step with that model.
ENVELOPE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["service", "municipality", "applicant", "form"],
    "properties": {
        "service": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,63}$"},
        "municipality": {"type": "string", "pattern": "^[0-9]{8}$"},
        "portalReference": {"type": "string", "maxLength": 100},
        "applicant": {
            "type": "object",
            "additionalProperties": False,
            "required": ["kind", "address"],
            "properties": {
                "kind": {"enum": ["person", "organisation"]},
                "givenName": {"type": "string", "minLength": 1, "maxLength": 200},
                "familyName": {"type": "string", "minLength": 1, "maxLength": 200},
                "birthDate": {"type": "string", "format": "date"},
                "organisationName": {"type": "string", "minLength": 1, "maxLength": 200},
                "address": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["street", "postalCode", "city"],
                    "properties": {
                        "street": {"type": "string", "minLength": 1, "maxLength": 200},
                        "houseNumber": {"type": "string", "maxLength": 20},
                        "postalCode": {"type": "string", "pattern": "^[0-9A-Z -]{3,10}$"},
                        "city": {"type": "string", "minLength": 1, "maxLength": 200},
                        "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
                    },
                },
                "email": {
                    "type": "string",
                    "pattern": "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$",
                    "maxLength": 254,
                },
                "phone": {"type": "string", "maxLength": 40},
            },
            "allOf": [
                {
                    "if": {"properties": {"kind": {"const": "person"}}},
                    "then": {"required": ["givenName", "familyName"]},
                },
                {
                    "if": {"properties": {"kind": {"const": "organisation"}}},
                    "then": {"required": ["organisationName"]},
                },
            ],
        },
        "form": {"type": "object"},
        "attachments": {"type": "array", "maxItems": 50},
    },
}


# --- loading ---------------------------------------------------------------------------------


@cache
def region() -> dict[str, Any]:
    loaded = yaml.safe_load((CONFIG / "region.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), "region.yaml must be a YAML mapping"
    return loaded


def municipalities() -> list[dict[str, Any]]:
    return list(region()["municipalities"])


def services() -> dict[str, dict[str, Any]]:
    return {str(s["id"]): s for s in region()["services"]}


def form_schema(service: str) -> dict[str, Any]:
    path = CONFIG / services()[service]["form"]
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def sample(service: str) -> dict[str, Any]:
    return json.loads((CONFIG / "samples" / f"{service}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def spec(service: str) -> dict[str, Any]:
    loaded = yaml.safe_load((MAPPINGS / f"{service}.{STANDARD}.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def routed_agss() -> dict[str, set[str]]:
    """service -> AGS of every body it is routed for (``all`` expanded)."""
    every = {str(m["ags"]) for m in municipalities()}
    routed: dict[str, set[str]] = {}
    for route in region()["routes"]:
        which = route.get("municipalities", "all")
        agss = every if which == "all" else {str(a) for a in which}
        routed.setdefault(str(route["service"]), set()).update(agss)
    return routed


def resolve(doc: Any, pointer: str) -> Any:
    """RFC 6901 pointer into ``doc``; ``ABSENT`` when it does not exist."""
    if pointer == "":
        return doc
    node = doc
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return ABSENT
    return node


def sources(rule: dict[str, Any]) -> list[str]:
    src = rule.get("source")
    if src is None:
        return []
    return [str(s) for s in (src if isinstance(src, list) else [src])]


def walk(rules: list[dict[str, Any]], base: str = "") -> Iterator[tuple[dict[str, Any], str]]:
    """Every rule with the pointer its sources are relative to ('' at top, else the ``each``)."""
    for rule in rules:
        yield rule, base
        if "each" in rule:
            yield from walk(rule["fields"], base + str(rule["each"]) + "/*")


def function(ref: str) -> Any:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


# --- region.yaml -----------------------------------------------------------------------------


def test_region_yaml_loads_with_the_expected_sections() -> None:
    r = region()
    assert r["region"] == "emscher-lippe"
    assert r["name"] == "Emscher-Lippe"
    for section in ("municipalities", "services", "destinationTemplates", "routes"):
        assert isinstance(r[section], list), f"{section} is not a list"
        assert r[section], f"{section} is empty"


def test_thirteen_bodies_with_unique_well_formed_keys() -> None:
    munis = municipalities()
    assert len(munis) == 13
    agss = [m["ags"] for m in munis]
    arss = [m["ars"] for m in munis]
    slugs = [m["slug"] for m in munis]
    assert len(set(agss)) == 13, "AGS must be unique"
    assert len(set(arss)) == 13, "ARS must be unique"
    assert len(set(slugs)) == 13, "slugs must be unique"
    for m in munis:
        ags, ars = m["ags"], m["ars"]
        assert isinstance(ags, str), f"{m['name']}: AGS {ags!r} must be a string (quote it in YAML)"
        assert re.fullmatch(r"[0-9]{8}", ags), f"{m['name']}: AGS {ags!r}"
        assert isinstance(ars, str), f"{m['name']}: ARS {ars!r} must be a string (quote it in YAML)"
        assert re.fullmatch(r"[0-9]{12}", ars), f"{m['name']}: ARS {ars!r}"
        assert ars[:5] == ags[:5], f"{m['name']}: ARS {ars} and AGS {ags} name different Kreise"
        assert ars[-3:] == ags[-3:], f"{m['name']}: ARS {ars} and AGS {ags} name different Gemeinden"
        assert ags.startswith("05"), f"{m['name']}: not in NRW"
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", m["slug"]), f"{m['name']}: slug {m['slug']!r}"
        assert m["kind"] in KINDS, f"{m['name']}: kind {m['kind']!r}"
        assert isinstance(m["name"], str)
        assert m["name"]
        codes = m["postalCodes"]
        assert isinstance(codes, list)
        assert all(isinstance(c, str) and re.fullmatch(r"[0-9]{5}", c) for c in codes), m["name"]
        assert len(set(codes)) == len(codes), f"{m['name']}: duplicate postal codes"


def test_the_region_has_two_cities_one_kreis_and_its_ten_towns() -> None:
    kinds = [m["kind"] for m in municipalities()]
    assert kinds.count("kreisfreie-stadt") == 2
    assert kinds.count("kreis") == 1
    assert kinds.count("kreisangehoerige-stadt") == 10
    kreis = next(m for m in municipalities() if m["kind"] == "kreis")
    towns = [m for m in municipalities() if m["kind"] == "kreisangehoerige-stadt"]
    assert all(t["ags"][:5] == kreis["ags"][:5] for t in towns), "every town belongs to the Kreis"
    assert kreis["ags"][5:] == "000"
    assert kreis["ars"][5:] == "0000000"
    for city in (m for m in municipalities() if m["kind"] == "kreisfreie-stadt"):
        assert city["ags"][5:] == "000"
        assert city["ars"][5:] == "0000000"


def test_no_postal_code_belongs_to_two_bodies() -> None:
    seen: dict[str, str] = {}
    for m in municipalities():
        for code in m["postalCodes"]:
            assert code not in seen, f"{code} listed for {seen.get(code)} and {m['name']}"
            seen[code] = m["name"]


@cache
def catalogue_document() -> dict[str, Any]:
    path = CONFIG / "catalogue" / "ozg-nrw.services.json"
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def catalogue_source() -> dict[str, Any]:
    source: dict[str, Any] = catalogue_document()["source"]
    return source


def catalogue_rows() -> dict[int, dict[str, Any]]:
    return {e["sourceId"]: e for e in catalogue_document()["services"]}


def test_the_services_are_those_of_the_brief_with_citable_leika_keys() -> None:
    assert set(BRIEF_SERVICES) <= set(services())
    for sid, s in services().items():
        assert isinstance(s["name"], str)
        assert s["name"]
        assert s["form"] == f"forms/{sid}.schema.json"
        assert "leika" in s, f"{sid}: state leika, null if unknown"
        assert "leikaSource" in s, f"{sid}: state leikaSource, null if unknown"
        if s["leika"] is None:
            assert s["leikaSource"] is None, f"{sid}: a source without a key"
        else:
            assert isinstance(s["leika"], str), f"{sid}: quote the LeiKa key"
            assert re.fullmatch(r"99[0-9]{12}", s["leika"]), f"{sid}: LeiKa {s['leika']!r}"
            source = s["leikaSource"]
            assert isinstance(source, dict), f"{sid}: a LeiKa key needs its source"
            assert {"repo", "commit", "path", "table", "id", "name"} <= set(source), f"{sid}: {source}"
            # traceable: the shipped catalogue (read from that same dump) has that row with that key
            entry = catalogue_rows().get(source["id"])
            assert entry is not None, f"{sid}: ozg_service row {source['id']} is not in the catalogue"
            assert entry["leika"] == s["leika"], f"{sid}: row {source['id']} has {entry['leika']}"
            assert entry["name"] == source["name"], f"{sid}: row {source['id']} is {entry['name']!r}"
            assert source["commit"] == catalogue_source()["commit"]
            assert s.get("leikaWhy"), f"{sid}: say why that row"


def test_destination_templates_expand_to_known_connectors_with_policies() -> None:
    templates = region()["destinationTemplates"]
    by_id = {t["id"]: t for t in templates}
    expected = {
        "{slug}-fachverfahren", "{slug}-bauportal", "{slug}-sozialplattform",
        "{slug}-dms", "{slug}-steuer-soap", "{slug}-dateiablage", "{slug}-gewerbe",
    }  # fmt: skip
    assert expected <= set(by_id)
    for template in templates:
        assert template["retry"]["maxAttempts"] >= 1, template["id"]
        assert template["circuit"]["failureThreshold"] >= 1, template["id"]
    assert by_id["{slug}-sozialplattform"]["connector"] == "sozialplattform"
    assert by_id["{slug}-sozialplattform"]["settings"]["ars"] == "{ars}"
    bauportal = by_id["{slug}-bauportal"]
    assert bauportal["connector"] == "bauportal-nrw"
    assert bauportal["standard"] == "xbau-2.6"
    assert bauportal["settings"]["reader"]["code"] == "{ags}"
    assert by_id["{slug}-dms"]["connector"] == "fachverfahren-xdomea"
    assert by_id["{slug}-steuer-soap"]["connector"] == "fachverfahren-soap"
    assert by_id["{slug}-dateiablage"]["connector"] == "fachverfahren-filedrop"
    t = by_id["{slug}-fachverfahren"]
    assert t["connector"] == "fachverfahren-rest"
    assert t["standard"] == STANDARD
    assert "{slug}" in t["settings"]["url"]
    assert t["settings"]["auth"] == {"kind": "bearer", "tokenEnv": "HUB_BACKOFFICE_TOKEN", "optional": True}
    assert t["retry"]["maxAttempts"] >= 1
    assert t["retry"]["maxSeconds"] >= t["retry"]["initialSeconds"]
    assert t["circuit"]["failureThreshold"] >= 1


def test_routes_name_known_services_bodies_and_destinations() -> None:
    agss = {m["ags"] for m in municipalities()}
    template_ids = {t["id"] for t in region()["destinationTemplates"]}
    for route in region()["routes"]:
        assert route["service"] in services(), f"route for unknown service {route['service']!r}"
        which = route["municipalities"]
        assert which == "all" or (isinstance(which, list) and set(which) <= agss), route["service"]
        assert route["destinations"], route["service"]
        assert set(route["destinations"]) <= template_ids, route["service"]
    assert set(routed_agss()) == set(SERVICES), "every service needs at least one route"


@pytest.mark.parametrize("service", MUST_REACH_EVERY_TOWN)
def test_required_services_are_routed_for_all_twelve_towns_and_cities(service: str) -> None:
    towns = {m["ags"] for m in municipalities() if m["kind"] in TOWN_KINDS}
    assert len(towns) == 12
    missing = towns - routed_agss().get(service, set())
    assert not missing, f"{service} is not routed for {sorted(missing)}"


# --- form schemas --------------------------------------------------------------------------


def object_schemas(node: Any, at: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if node.get("type") == "object" or "properties" in node:
            yield at, node
        for key, value in node.items():
            yield from object_schemas(value, f"{at}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from object_schemas(value, f"{at}/{i}")


@pytest.mark.parametrize("service", SERVICES)
def test_form_schema_exists_and_is_a_closed_draft_2020_12_schema(service: str) -> None:
    path = CONFIG / "forms" / f"{service}.schema.json"
    assert path.is_file(), f"{path} is missing"
    schema = form_schema(service)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://hub.emscher-lippe.example/forms/{service}.schema.json"
    assert isinstance(schema.get("title"), str)
    assert schema["title"]
    assert schema["type"] == "object"
    assert schema.get("required"), "the form needs required fields"
    for at, sub in object_schemas(schema):
        if "properties" in sub and at.split("/")[-1] not in ("if", "then", "else"):
            assert sub.get("additionalProperties") is False, f"{service}: {at} must set additionalProperties: false"
        for name in sub.get("required", []):
            if "properties" in sub and at.split("/")[-1] not in ("if", "then", "else"):
                assert name in sub["properties"], f"{service}: {at} requires undeclared {name!r}"
    for at, sub in object_schemas(schema):
        for name, prop in sub.get("properties", {}).items():
            assert re.fullmatch(r"[a-z][A-Za-z0-9]*", name), f"{service}: {at}/{name} is not camelCase"
            if prop.get("type") == "string" and "enum" not in prop and "format" not in prop and "const" not in prop:
                assert "maxLength" in prop or "pattern" in prop, f"{service}: {at}/{name} is an unbounded string"


# --- samples -------------------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_sample_is_a_valid_envelope_whose_form_fits_the_schema(service: str) -> None:
    envelope = sample(service)
    envelope_errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in Draft202012Validator(ENVELOPE_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER).iter_errors(
            envelope
        )
    ]
    assert not envelope_errors, envelope_errors
    assert envelope["service"] == service
    validator = Draft202012Validator(form_schema(service), format_checker=Draft202012Validator.FORMAT_CHECKER)
    form_errors = [
        f"/form/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(envelope["form"])
    ]
    assert not form_errors, form_errors


@pytest.mark.parametrize("service", SERVICES)
def test_sample_is_routed_for_its_municipality(service: str) -> None:
    envelope = sample(service)
    agss = {m["ags"]: m for m in municipalities()}
    assert envelope["municipality"] in agss
    assert envelope["municipality"] in routed_agss()[service], f"{service} is not offered in {envelope['municipality']}"
    body = agss[envelope["municipality"]]
    postal_code = envelope["applicant"]["address"]["postalCode"]
    if envelope["applicant"]["address"].get("city") == body["name"]:
        assert postal_code in body["postalCodes"], f"{postal_code} is not a postal code of {body['name']}"


def test_the_samples_cover_both_kinds_of_applicant() -> None:
    kinds = {sample(s)["applicant"]["kind"] for s in SERVICES}
    assert kinds == {"person", "organisation"}
    assert sample("handwerkerparkausweis")["applicant"]["kind"] == "organisation"


# --- mapping specs -------------------------------------------------------------------------


@pytest.mark.parametrize("service", JSON_SERVICES)
def test_mapping_spec_is_well_formed(service: str) -> None:
    path = MAPPINGS / f"{service}.{STANDARD}.yaml"
    assert path.is_file(), f"{path} is missing"
    s = spec(service)
    assert s["service"] == service
    assert s["standard"] == STANDARD
    assert s.get("attachments", "none") in ("inline", "none")
    assert isinstance(s.get("description"), str)
    assert s["description"]
    for rule, _ in walk(s["fields"]):
        assert set(rule) <= RULE_KEYS, f"{rule['target']}: unknown keys {sorted(set(rule) - RULE_KEYS)}"
        assert str(rule["target"]).startswith("/"), rule
        producers = [k for k in ("source", "const", "each", "function") if k in rule]
        assert len(producers) == 1, f"{rule['target']}: give exactly one of source, const, each, function"
        assert "transform" not in rule or rule["transform"] in TRANSFORMS, f"{rule['target']}: {rule.get('transform')}"
        if len(sources(rule)) > 1:
            assert "join" in rule, f"{rule['target']}: several sources need a join"
        if "each" in rule:
            assert rule["fields"], f"{rule['target']}: an empty group"
        for pointer in [
            *sources(rule),
            *([rule["each"]] if "each" in rule else []),
            *([rule["when"]] if "when" in rule else []),
        ]:
            assert pointer.startswith("/"), f"{rule['target']}: {pointer!r} is not a JSON pointer"


@pytest.mark.parametrize("service", JSON_SERVICES)
def test_mapping_spec_carries_the_ags_and_the_service_id(service: str) -> None:
    top = spec(service)["fields"]
    by_target = {r["target"]: r for r in top}
    assert by_target["/vorgang/gemeindeschluessel"].get("source") == "/municipality"
    assert by_target["/vorgang/leistung"].get("source") == "/service"
    assert "/vorgang/art" in by_target
    assert "const" in by_target["/vorgang/art"]
    targets = [r["target"] for r in top]
    assert len(targets) == len(set(targets)), f"{service}: a target is written twice"


@pytest.mark.parametrize("service", JSON_SERVICES)
def test_every_required_form_field_is_mapped(service: str) -> None:
    read = set()
    for rule, base in walk(spec(service)["fields"]):
        if base == "":
            read.update(sources(rule))
            if "each" in rule:
                read.add(rule["each"])
    schema = form_schema(service)
    for name in schema["required"]:
        assert any(p == f"/form/{name}" or p.startswith(f"/form/{name}/") for p in read), (
            f"{service}: /form/{name} is not mapped"
        )


def check_rules(rules: list[dict[str, Any]], doc: Any, where: str, service: str) -> None:
    """Non-optional sources resolve in ``doc``; codes know the sample's values; functions run."""
    for rule in rules:
        target = f"{where}{rule['target']}"
        if "when" in rule and resolve(doc, rule["when"]) in (ABSENT, None, False, "", [], {}):
            continue  # condition false: the rule is skipped for this document
        lenient = bool(rule.get("optional")) or "when" in rule
        if "each" in rule:
            items = resolve(doc, rule["each"])
            if items is ABSENT:
                assert lenient, f"{service}: {target}: each {rule['each']} is absent in the sample"
                continue
            assert isinstance(items, list), f"{service}: {target}: {rule['each']} is not a list"
            for i, item in enumerate(items):
                check_rules(rule["fields"], item, f"{target}/{i}", service)
            continue
        if "function" in rule:
            value = function(rule["function"])(doc)
            json.dumps(value)  # a JSON value
            continue
        found = [resolve(doc, p) for p in sources(rule)]
        for pointer, value in zip(sources(rule), found, strict=True):
            if value is ABSENT and not lenient:
                # a join skips its missing later parts, but needs the first
                assert "join" in rule, f"{service}: {target}: source {pointer} is absent"
                assert pointer != sources(rule)[0], f"{service}: {target}: source {pointer} is absent"
        if "codes" in rule and found and found[0] is not ABSENT:
            key = str(found[0]).lower() if isinstance(found[0], bool) else str(found[0])
            assert key in {str(k) for k in rule["codes"]}, f"{service}: {target}: sample value {key!r} has no code"


@pytest.mark.parametrize("service", JSON_SERVICES)
def test_every_source_pointer_resolves_in_the_sample(service: str) -> None:
    check_rules(spec(service)["fields"], sample(service), "", service)


@pytest.mark.parametrize("service", JSON_SERVICES)
def test_code_lists_cover_every_enum_value_of_the_form(service: str) -> None:
    schema = form_schema(service)

    def prop_schema(pointer: str) -> dict[str, Any] | None:
        node: Any = schema
        for token in pointer.strip("/").split("/"):
            if token == "*":
                node = node.get("items", {})
                if "$ref" in node:
                    node = resolve(schema, node["$ref"][1:])
                continue
            node = node.get("properties", {}).get(token)
            if node is None:
                return None
            if "$ref" in node:
                node = resolve(schema, node["$ref"][1:])
        return node if isinstance(node, dict) else None

    for rule, base in walk(spec(service)["fields"]):
        if "codes" not in rule:
            continue
        for pointer in sources(rule):
            full = pointer if base == "" else base + pointer
            if not full.startswith("/form/"):
                continue
            enum = (prop_schema(full[len("/form") :]) or {}).get("enum")
            if enum:
                missing = {str(v) for v in enum} - {str(k) for k in rule["codes"]}
                assert not missing, f"{service}: {rule['target']}: no code for {sorted(missing)}"


def test_mapping_functions_handle_both_kinds_of_applicant() -> None:
    name = function("mappings.functions:applicant_display_name")
    assert name(sample("hundesteuer-anmeldung")) == "Mustermann, Erika"
    assert name(sample("handwerkerparkausweis")) == "Mustermann Haustechnik GmbH"
    assert function("mappings.functions:household_size")(sample("wohnberechtigungsschein")) == 3
    districts = function("mappings.functions:parking_permit_districts")(sample("handwerkerparkausweis"))
    assert districts[0] == "Münster"  # Gladbeck lies in the Regierungsbezirk Münster (AGS 055…)
    assert len(districts) == len(set(districts))
