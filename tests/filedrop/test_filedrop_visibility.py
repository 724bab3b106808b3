"""What a back office watching the drop folder sees while the hub writes: never a partial file under a
final name, and never a message file before all its attachments are complete.

A reader thread lists and reads the folder the SFTP server writes into, as fast as it can, for the
whole delivery, while the server writes a large attachment slowly (in 64 KiB steps).
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

import orjson

from hub.sim.sftp import SftpSimulator
from tests.conftest import make_settings, start_hub, stop_hub
from tests.delivery.test_delivery import status_of
from tests.filedrop.filedrop_support import write_filedrop_region
from tests.support.envelopes import attachment, sample
from tests.support.waiting import wait_for

BIG = b"%PDF-1.7\n" + os.urandom(3 * 1024 * 1024)  # a PDF signature: intake checks it
SMALL = b"%PDF-1.7\n" + os.urandom(5_000)
EXPECTED = {"grosser-scan.pdf": BIG, "nachweis.pdf": SMALL}


class FolderWatcher(threading.Thread):
    """Reads every final-named file it sees; records what a careful receiver would object to."""

    def __init__(self, inbox: Path) -> None:
        super().__init__(name="drop-folder-watcher", daemon=True)
        self.inbox = inbox
        self.halt = threading.Event()
        self.violations: list[str] = []
        self.first_seen: dict[str, int] = {}
        self.partial_sizes: set[int] = set()
        self.scans = 0

    def run(self) -> None:
        while not self.halt.is_set():
            self.scans += 1
            self.scan()

    def scan(self) -> None:
        for name in sorted(os.listdir(self.inbox)):
            path = self.inbox / name
            if name.startswith("."):
                continue
            if name.endswith(".json"):
                self.saw(name)
                self.check_message(path)
            elif path.is_dir():
                for child in sorted(os.listdir(path)):
                    if child.startswith("."):
                        self.note_part(path / child)
                        continue
                    self.saw(f"{name}/{child}")
                    if (path / child).read_bytes() != EXPECTED[child]:
                        self.violations.append(f"{name}/{child} visible while incomplete (scan {self.scans})")

    def saw(self, name: str) -> None:
        self.first_seen.setdefault(name, self.scans)

    def note_part(self, path: Path) -> None:
        try:
            size = path.stat().st_size
        except FileNotFoundError:  # renamed to its final name meanwhile
            return
        if 0 < size < len(BIG):
            self.partial_sizes.add(size)

    def check_message(self, path: Path) -> None:
        try:
            body = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError:
            self.violations.append(f"{path.name} visible while incomplete (scan {self.scans})")
            return
        for entry in body.get("anlagen", []):
            try:
                digest = hashlib.sha256((self.inbox / entry["pfad"]).read_bytes()).hexdigest()
            except FileNotFoundError:
                self.violations.append(f"{path.name} visible before its attachment {entry['pfad']}")
                continue
            if digest != entry["sha256"]:
                self.violations.append(f"{path.name} visible before {entry['pfad']} was complete")


def test_no_partial_file_is_ever_visible_and_the_message_file_comes_last(tmp_path: Path, sftp: SftpSimulator) -> None:
    # Given a hub dropping Gladbeck's submissions over SFTP, a server writing slowly, and a watcher
    region = write_filedrop_region(tmp_path / "region", sftp)
    hub = start_hub(make_settings(f"sqlite:///{tmp_path / 'hub.db'}", region))
    sftp.slow_writes(0.01, 64 * 1024)
    watcher = FolderWatcher(sftp.root / "gladbeck")
    watcher.start()
    try:
        # When a submission with a 3 MiB and a small attachment is delivered
        files = [attachment(BIG, "grosser-scan.pdf"), attachment(SMALL, "nachweis.pdf")]
        answer = hub.api.post("/v1/submissions", json=sample(attachments=files))
        assert answer.status_code == 202, answer.text
        submission_id = answer.json()["id"]

        def settled_status() -> dict[str, Any] | None:
            status = status_of(hub, submission_id)
            return status if status["status"] in ("delivered", "failed") else None

        settled = wait_for(settled_status, timeout=20, what="the delivery to settle")
    finally:
        watcher.halt.set()
        watcher.join(10)
        stop_hub(hub)

    # Then the watcher never saw a final-named file incomplete, nor the message before its attachments ...
    assert watcher.violations == []
    # ... though it watched the big file grow under its temporary name
    assert len(watcher.partial_sizes) >= 5, watcher.partial_sizes
    assert settled is not None
    delivery = settled["deliveries"][0]
    assert delivery["state"] == "delivered", delivery
    message_id = delivery["messageId"]
    seen = watcher.first_seen
    assert set(seen) == {f"{message_id}.json", f"{message_id}/grosser-scan.pdf", f"{message_id}/nachweis.pdf"}
    assert seen[f"{message_id}/grosser-scan.pdf"] <= seen[f"{message_id}/nachweis.pdf"] <= seen[f"{message_id}.json"]
    assert (sftp.root / "gladbeck" / message_id / "grosser-scan.pdf").read_bytes() == BIG
