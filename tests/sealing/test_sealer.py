"""The sealer and the keyring: round trips, and a clear error for every way a value cannot be opened."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from hub.sealing import Keyring, KeyringError, Sealer, SealError, generate_key, load_keyring
from hub.sealing.keyring import write_keyring
from hub.sealing.sealer import key_id_of

CONTEXT = "delivery.payload/0b7f"


def sealer(current: str = "k1", *others: str) -> tuple[Sealer, Keyring]:
    keyring = Keyring(current, {k: generate_key() for k in (current, *others)})
    return Sealer(keyring), keyring


def test_a_sealed_value_opens_to_its_plaintext_and_holds_none_of_it() -> None:
    s, _ = sealer()
    plaintext = b"Erika Mustermann, IBAN DE02120300000000202051"
    sealed = s.seal(plaintext, CONTEXT)
    assert b"Mustermann" not in sealed
    assert b"DE02" not in sealed
    assert s.open(sealed, CONTEXT) == plaintext
    assert key_id_of(sealed) == "k1"
    # two seals of the same value differ (random nonce)
    assert s.seal(plaintext, CONTEXT) != sealed


def test_json_and_text_values_round_trip_and_carry_their_key_id() -> None:
    s, _ = sealer("2026-12")
    envelope = {"applicant": {"familyName": "Mustermann", "birthDate": "1980-04-12"}}
    sealed = s.seal_json(envelope, "submission.envelope/1")
    assert isinstance(sealed, str)
    assert "Mustermann" not in sealed
    assert s.open_json(sealed, "submission.envelope/1") == envelope
    name = s.seal_text("Lohnabrechnung_Mustermann.pdf", "attachment.file_name/1#0")
    assert name is not None
    assert s.open_text(name, "attachment.file_name/1#0") == "Lohnabrechnung_Mustermann.pdf"
    assert key_id_of(sealed) == key_id_of(name) == "2026-12"


def test_plaintext_written_before_encryption_reads_as_it_is() -> None:
    s, _ = sealer()
    assert s.open(b"<xml>plain</xml>", CONTEXT) == b"<xml>plain</xml>"
    assert s.open_json({"a": 1}, "submission.envelope/1") == {"a": 1}
    assert s.open_text("refused: 422", "x") == "refused: 422"
    assert key_id_of(b"<xml/>") is None
    assert key_id_of({"a": 1}) is None


def test_a_tampered_ciphertext_does_not_open() -> None:
    s, _ = sealer()
    sealed = bytearray(s.seal(b"Mustermann", CONTEXT))
    sealed[-1] ^= 1
    with pytest.raises(SealError, match="does not authenticate"):
        s.open(bytes(sealed), CONTEXT)


def test_a_value_moved_to_another_row_does_not_open() -> None:
    s, _ = sealer()
    sealed = s.seal(b"Mustermann", "delivery.payload/row-a")
    with pytest.raises(SealError, match=r"delivery.payload/row-b: .*moved from another row"):
        s.open(sealed, "delivery.payload/row-b")
    with pytest.raises(SealError):
        s.open(sealed, "attachment.content/row-a")


def test_a_changed_key_id_in_the_header_does_not_open() -> None:
    s, _ = sealer("k1", "k2")
    sealed = s.seal(b"Mustermann", CONTEXT)
    forged = sealed.replace(b"k1", b"k2", 1)
    with pytest.raises(SealError):
        s.open(forged, CONTEXT)


def test_an_unknown_key_id_is_named_in_the_error() -> None:
    writer, _ = sealer("gone")
    reader, _ = sealer("k9")
    sealed = writer.seal(b"Mustermann", CONTEXT)
    with pytest.raises(SealError, match="sealed under key id 'gone', the keyring does not hold it"):
        reader.open(sealed, CONTEXT)
    with pytest.raises(SealError, match="no keyring is configured"):
        Sealer(None).open(sealed, CONTEXT)


def test_an_older_key_opens_what_it_sealed_and_new_values_go_under_the_current_one() -> None:
    old = Keyring("old", {"old": generate_key()})
    sealed_old = Sealer(old).seal(b"Mustermann", CONTEXT)
    rotated = Sealer(old.with_new_current("new"))
    assert rotated.open(sealed_old, CONTEXT) == b"Mustermann"
    assert key_id_of(rotated.seal(b"x", CONTEXT)) == "new"


def test_without_a_keyring_values_stay_plaintext() -> None:
    off = Sealer(None)
    assert not off.enabled
    assert off.seal(b"abc", CONTEXT) == b"abc"
    assert off.seal_json({"a": 1}, "x") == {"a": 1}


def test_the_keyring_file_round_trips_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    keyring = Keyring("a", {"a": generate_key()}).with_new_current("b")
    write_keyring(path, keyring)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_keyring(path, None) == keyring
    assert load_keyring(None, path.read_text()) == keyring
    assert load_keyring(None, None) is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ('{"keys": {}}', "expected"),
        ('{"current": "a", "keys": {"a": "***"}}', "'a' is not base64"),
        ('{"current": "a", "keys": {"a": "' + base64.b64encode(b"short").decode() + '"}}', "5 bytes"),
        ('{"current": "b", "keys": {"a": "' + base64.b64encode(bytes(32)).decode() + '"}}', "'b' is not among"),
        ('{"current": "a b", "keys": {"a b": "' + base64.b64encode(bytes(32)).decode() + '"}}', "key id 'a b'"),
    ],
)
def test_a_malformed_keyring_is_refused_without_quoting_a_key(content: str, message: str) -> None:
    with pytest.raises(KeyringError, match=message) as caught:
        load_keyring(None, content)
    assert "AAAAAAAA" not in str(caught.value)


def test_both_settings_at_once_are_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match="not both"):
        load_keyring(tmp_path / "k.json", "{}")
