"""Value transforms that split what portals send in one field: addresses and names."""

from __future__ import annotations

import pytest

from hub.mapping.transforms import TRANSFORMS


@pytest.mark.parametrize(
    ("line", "street", "number"),
    [
        ("Musterstraße 12a", "Musterstraße", "12a"),
        ("Am Markt 3-5", "Am Markt", "3-5"),
        ("Hauptstr. 7 b", "Hauptstr.", "7 b"),
        ("Weg 12/1", "Weg", "12/1"),
        ("  Straße   des 17. Juni  114 ", "Straße des 17. Juni", "114"),
        ("Marktplatz", "Marktplatz", None),
    ],
)
def test_a_one_line_address_splits_into_street_and_house_number(line: str, street: str, number: str | None) -> None:
    assert TRANSFORMS["street_name"](line) == street
    assert TRANSFORMS["house_number"](line) == number


def test_a_one_field_name_splits_at_its_last_word() -> None:
    assert TRANSFORMS["given_names"]("Erika Maria Mustermann") == "Erika Maria"
    assert TRANSFORMS["family_name"]("Erika Maria Mustermann") == "Mustermann"
    assert TRANSFORMS["given_names"]("Mustermann") is None
    with pytest.raises(ValueError, match="expected a name"):
        TRANSFORMS["family_name"]("  ")
