"""The channel connector interface: typed records and the `ChannelConnector` protocol (docs/channels.md).

Small on purpose, so a plugin that speaks outward (talking's posts, webcare's replies, energizing's missions,
cocreation's loop back to a poster) uses it without reading the core. Every operation is async; a connector
that cannot do one raises `Unsupported`, and `capabilities` says beforehand what it can do. A network that
refuses, or cannot be reached, raises `ChannelError` with a reason fit to show on the account page.
"""

from __future__ import annotations

import enum
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit
from uuid import UUID


class Capability(enum.Enum):
    """An operation a connector may support (`ChannelConnector.capabilities`)."""

    connect = "connect"
    publish = "publish"
    find = "find"
    delete = "delete"
    interactions = "interactions"
    profile = "profile"
    inbound = "inbound"
    search = "search"


class ChannelError(Exception):
    """The network or receiver refused, or could not be reached. `reason` is shown on the account page (never
    a credential); `status_code` is the HTTP answer when there was one; `auth` says the credentials themselves
    were refused, so trying again with the same ones is pointless."""

    def __init__(self, reason: str, status_code: int | None = None, *, auth: bool = False) -> None:
        self.reason = (reason or "unknown error")[:500]
        self.status_code = status_code
        self.auth = auth
        super().__init__(self.reason)


class Unsupported(ChannelError):
    """The connector cannot do this operation at all (see `capabilities`): a mistake of the caller, not of the
    network, so it never marks a connection as failing."""

    def __init__(self, connector: str, operation: str) -> None:
        super().__init__(f"the connector {connector} cannot {operation}")
        self.connector = connector
        self.operation = operation


class NotOnNetwork(ChannelError):
    """The post asked about is not (or no longer) on the network, or not indexed yet: the connection itself is
    fine, so it is not marked as failing."""


@dataclass(frozen=True)
class Credentials:
    """What a person types to connect: for the AT Protocol a handle (or e-mail) and an app password, and the
    service (PDS) address; for the webhook its address and signing secret; posted elsewhere needs none."""

    identifier: str = ""
    secret: str = field(default="", repr=False)
    service_url: str = ""


@dataclass
class Connection:
    """A social account's link to its network, credentials unsealed, for the length of some work.

    `session` is a saved sign-in (AT Protocol): the connector reuses and renews it instead of signing in on
    every call (networks limit sign-ins); whoever stored the connection stores it back when it changed."""

    connector: str
    service_url: str = ""
    did: str = ""
    """The remote identity (AT Protocol: the account's DID)."""
    handle: str = ""
    identifier: str = ""
    secret: str = field(default="", repr=False)
    session: str = field(default="", repr=False)
    social_account_id: UUID | None = None


@dataclass(frozen=True)
class Image:
    data: bytes = field(repr=False)
    alt: str
    """Alternative text: what the image shows, for people who cannot see it."""
    mime_type: str = "image/jpeg"


@dataclass(frozen=True)
class Link:
    """A part of the text that links somewhere (a link facet): `text` as it appears in the post, `url` where
    it goes (a short link with its UTM parameters, say). Bare addresses in the text are linked without one."""

    text: str
    url: str


AT_URI = re.compile(r"^at://(?P<repo>[^/\s]+)/(?P<collection>[a-zA-Z0-9.-]+)/(?P<rkey>[A-Za-z0-9._:~-]{1,512})$")
WEB_URL = re.compile(r"^/profile/(?P<repo>[^/\s]+)/post/(?P<rkey>[A-Za-z0-9._:~-]{1,512})/?$")
POST_COLLECTION = "app.bsky.feed.post"


@dataclass(frozen=True)
class PostRef:
    """Where a post is: its network address (`uri`, AT Protocol: at://did/app.bsky.feed.post/rkey), a web
    address people can open (`url`), its content hash (`cid`) and the key the caller chose before sending.
    `status_code`: the receiver's HTTP answer (webhook)."""

    uri: str = ""
    url: str = ""
    cid: str = ""
    key: str = ""
    status_code: int | None = None

    @classmethod
    def from_uri(cls, uri: str, cid: str = "", url: str = "") -> PostRef:
        """A post by its AT URI (a mention's or a case's source), to reply to it or read it; ValueError if the
        text is no AT URI of a post."""
        match = AT_URI.match((uri or "").strip())
        if match is None or match["collection"] != POST_COLLECTION:
            raise ValueError(f"not the AT URI of a post: {uri!r}")
        return cls(uri=match.group(0), cid=cid, url=url, key=match["rkey"])

    @classmethod
    def from_url(cls, url: str) -> PostRef:
        """A post by its web address (https://bsky.app/profile/<handle or did>/post/<rkey>): its AT URI names
        the handle until the connector resolves it. ValueError if the address is no post's."""
        parts = urlsplit((url or "").strip())
        match = WEB_URL.match(parts.path) if parts.scheme in ("http", "https") else None
        if match is None:
            raise ValueError(f"not the web address of a post: {url!r}")
        return cls(uri=f"at://{match['repo']}/{POST_COLLECTION}/{match['rkey']}", url=url.strip(),
                   key=match["rkey"])

    @property
    def repo(self) -> str:
        """The author's DID (or handle) in the URI."""
        match = AT_URI.match(self.uri)
        return match["repo"] if match else ""

    @property
    def rkey(self) -> str:
        match = AT_URI.match(self.uri)
        return match["rkey"] if match else ""


@dataclass(frozen=True)
class PostDraft:
    """What to publish. `key` is chosen by the caller BEFORE sending and stored with the post (`new_key()`):
    the network keeps the post under it, so a retry after a crash finds it (`find`) instead of posting twice.
    Webhook: `key` is the delivery id and `document` the JSON body; posted elsewhere: `posted_url` is where a
    person posted it by hand."""

    text: str
    key: str
    reply_to: PostRef | None = None
    images: tuple[Image, ...] = ()
    links: tuple[Link, ...] = ()
    posted_url: str = ""
    document: Mapping[str, Any] | None = None
    lang: str = ""
    """The text's language ("nl", "en"); empty: not said."""


@dataclass(frozen=True)
class Interactions:
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    quotes: int = 0

    @property
    def total(self) -> int:
        return self.likes + self.reposts + self.replies + self.quotes


@dataclass(frozen=True)
class ProfileFigures:
    followers: int = 0
    follows: int = 0
    posts: int = 0
    last_post_at: datetime | None = None
    """When the account last posted (replies included, reposts not); None: never."""


INBOUND_KINDS = ("mention", "reply", "quote", "post")
"""Why an item came in: it names the account, answers or quotes one of its posts, or (search) it matched."""


@dataclass(frozen=True)
class InboundItem:
    """A post that came in: a mention of or reply to the account, or a search hit."""

    uri: str
    url: str
    kind: str
    text: str
    created_at: datetime | None
    author_handle: str
    author_display_name: str = ""
    author_did: str = ""
    author_followers: int | None = None
    """Reach: the author's followers when the network told (None: unknown)."""
    reply_parent_uri: str = ""
    reply_root_uri: str = ""
    cid: str = ""
    indexed_at: datetime | None = None

    def ref(self) -> PostRef:
        """The item as a post to reply to."""
        return PostRef(uri=self.uri, url=self.url, cid=self.cid, key=PostRef.from_uri(self.uri).key)


class SocialAccountLike(Protocol):
    """What `connect` needs of a registered social account."""

    @property
    def id(self) -> UUID: ...

    @property
    def handle(self) -> str: ...


@runtime_checkable
class ChannelConnector(Protocol):
    """One network (or way out). Only the operations in `capabilities` work; the others raise `Unsupported`."""

    name: str
    capabilities: frozenset[Capability]

    async def connect(self, account: SocialAccountLike, credentials: Credentials) -> Connection:
        """Check the credentials against the network; the connection names the remote identity."""
        ...

    async def publish(self, connection: Connection, draft: PostDraft) -> PostRef:
        """Publish a post (a reply when `draft.reply_to`); publishing a key already taken returns that post."""
        ...

    async def find(self, connection: Connection, key: str) -> PostRef | None:
        """The account's post under `key`, or None: what a retry after a crash asks first."""
        ...

    async def delete(self, connection: Connection, ref: PostRef) -> None: ...

    async def interactions(self, connection: Connection, ref: PostRef) -> Interactions: ...

    async def profile(self, connection: Connection) -> ProfileFigures: ...

    async def inbound(self, connection: Connection, cursor: str | None) -> tuple[list[InboundItem], str]:
        """Mentions of and replies to the account since `cursor` (None: the latest ones), and the cursor to
        pass next time. Store the new cursor with what you stored of the items (one transaction)."""
        ...

    async def search(self, connection: Connection, query: str, cursor: str | None
                     ) -> tuple[list[InboundItem], str]:
        """Posts matching `query` since `cursor` (None: the latest ones), and the cursor for next time."""
        ...


class BaseConnector:
    """Every operation unsupported: a connector overrides what it can do and lists it in `capabilities`."""

    name = "base"
    capabilities: frozenset[Capability] = frozenset()

    def supports(self, capability: Capability | str) -> bool:
        return Capability(capability) in self.capabilities

    async def connect(self, account: SocialAccountLike, credentials: Credentials) -> Connection:
        raise Unsupported(self.name, "connect")

    async def publish(self, connection: Connection, draft: PostDraft) -> PostRef:
        raise Unsupported(self.name, "publish")

    async def find(self, connection: Connection, key: str) -> PostRef | None:
        raise Unsupported(self.name, "find")

    async def delete(self, connection: Connection, ref: PostRef) -> None:
        raise Unsupported(self.name, "delete")

    async def interactions(self, connection: Connection, ref: PostRef) -> Interactions:
        raise Unsupported(self.name, "interactions")

    async def profile(self, connection: Connection) -> ProfileFigures:
        raise Unsupported(self.name, "profile")

    async def inbound(self, connection: Connection, cursor: str | None) -> tuple[list[InboundItem], str]:
        raise Unsupported(self.name, "inbound")

    async def search(self, connection: Connection, query: str, cursor: str | None
                     ) -> tuple[list[InboundItem], str]:
        raise Unsupported(self.name, "search")


TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_last_tid = 0


def new_key() -> str:
    """A fresh record key: an AT Protocol TID (microseconds since 1970 and a random clock id, 13 characters
    that sort by time), unique and increasing within this process. Store it before publishing."""
    global _last_tid
    micros = max(time.time_ns() // 1000, (_last_tid >> 10) + 1)
    value = (micros << 10) | int.from_bytes(os.urandom(2), "big") & 0x3FF
    _last_tid = value
    return "".join(TID_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


def is_key(key: str) -> bool:
    """Whether `key` can be a post's record key (a TID)."""
    return bool(TID.match(key or ""))
