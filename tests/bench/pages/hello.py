"""The bare framework: Litestar's hello world, served by the same uvicorn as `regie serve`, in one process.

Its requests per second on this machine, in the same run, are the yardstick every page is compared with."""

from __future__ import annotations

from litestar import Litestar, get


@get("/", sync_to_thread=False)
def hello() -> str:
    return "Hello, world!"


app = Litestar(route_handlers=[hello])
