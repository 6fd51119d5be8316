"""The app as `make serve` runs it (uvicorn, one process, a pool of database connections, the in-process job
worker), plus a plugin that counts the `mention.received` events it is given: the server the ingest bench
pushes to over real HTTP.

Run by the bench as ``python -m tests.bench.ingest_server <port> <count file>`` with the test database in
DATABASE_URL; the count is written to the file when the server stops.
"""

from __future__ import annotations

import atexit
import signal
import sys
from pathlib import Path
from typing import Any

import uvicorn

from core.plugins.api import PluginInfo, hookimpl
from core.settings import Settings
from core.web.app import create_app


class Listener:
    """A plugin that listens for mentions, as webcare will (and counts them; alerts are announced too)."""

    def __init__(self) -> None:
        self.received = 0

    @hookimpl
    def regie_plugin(self) -> PluginInfo:
        return PluginInfo(name="benchlistener", groundswell_function="talking", default_owner="customer_service")

    @hookimpl
    def regie_events(self, ctx: Any, events: list[Any]) -> None:
        self.received += sum(1 for event in events if event.name == "mention.received")


def main() -> None:
    port, count_file = int(sys.argv[1]), Path(sys.argv[2])
    listener = Listener()
    atexit.register(lambda: count_file.write_text(str(listener.received)))
    # uvicorn re-raises SIGTERM after its graceful shutdown; exiting through Python lets atexit write the count
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = create_app(Settings.from_env(), extra_plugins=[listener])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
