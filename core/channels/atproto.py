"""The AT Protocol (Bluesky) connector, through the `atproto` SDK's `AsyncClient`.

- **Service.** Each connection names its service (PDS) address, https://bsky.social by default. The address,
  and the PDS the sign-in points to, go through `check_outbound_url` (private networks refused unless the
  operator allows them, as the tests allow loopback) before every piece of work; the client follows no
  redirects.
- **Sign-in.** `connect` signs in with the handle (or e-mail) and an app password and keeps the session (access
  and refresh token); later work reuses and renews that session and signs in with the password again only
  when the session is refused. The network limits sign-ins per account (30 in 5 minutes), so signing in per
  call would lock a busy account out.
- **Never twice.** A post is created under the record key the caller chose before sending (`draft.key`, a TID):
  the repository holds one record per key, so a second attempt cannot make a second post; it fails, and
  `publish` then returns the post already under that key (`find`).
- **Reading.** Mentions, replies and quotes come from `app.bsky.notification.listNotifications`, search from
  `app.bsky.feed.searchPosts`, both through the high-water-mark cursor of `watermark.py`; the authors'
  followers (reach) come from one `app.bsky.actor.getProfiles` call per 25 authors.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from atproto import AsyncClient, models
from atproto_client.exceptions import (
    AtProtocolError,
    BadRequestError,
    InvokeTimeoutError,
    LoginRequiredError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_client.request import AsyncRequest, RequestBase
from atproto_server.exceptions import InvalidTokenError

from core.channels.connector import (
    POST_COLLECTION,
    BaseConnector,
    Capability,
    ChannelError,
    Connection,
    Credentials,
    InboundItem,
    Interactions,
    NotOnNetwork,
    PostDraft,
    PostRef,
    ProfileFigures,
    SocialAccountLike,
    is_key,
)
from core.channels.watermark import Entry, read_new
from core.errors import DomainError
from core.net.outbound import check_outbound_url

DEFAULT_SERVICE = "https://bsky.social"
WEB_APP = "https://bsky.app"
PUBLIC_HOSTS = ("bsky.social", "bsky.network", "bsky.app")
"""Services of the public network: their posts open on bsky.app. Another service's posts get the same path on
the service's own address (a private network has no web app of its own)."""
TIMEOUT = 20.0
PAGE_SIZE = 100
PROFILES_PER_CALL = 25
INBOUND_REASONS = ("mention", "reply", "quote")
SESSION_REFUSED = {"ExpiredToken", "InvalidToken", "AuthenticationRequired", "AuthMissing"}

R = TypeVar("R")


class _Request(AsyncRequest):
    """The SDK's request without redirects and with a timeout (and a transport, for tests)."""

    def __init__(self, transport: httpx.AsyncBaseTransport | None = None) -> None:
        RequestBase.__init__(self)
        self._transport = transport
        self._client_kwargs: dict[str, Any] = {}
        self._client = httpx.AsyncClient(follow_redirects=False, timeout=TIMEOUT, transport=transport)

    def _new_instance(self) -> _Request:
        return type(self)(self._transport)


def post_url(service_url: str, author: str, rkey: str) -> str:
    """The web address of a post: bsky.app on the public network, the service's own address elsewhere."""
    host = (urlsplit(service_url or DEFAULT_SERVICE).hostname or "").lower()
    base = WEB_APP if any(host == h or host.endswith("." + h) for h in PUBLIC_HOSTS) \
        else (service_url or DEFAULT_SERVICE).rstrip("/")
    return f"{base}/profile/{author}/post/{rkey}"


def _moment(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _reason(exc: BaseException) -> tuple[str, int | None, str]:
    """(reason to show, HTTP status, XRPC error name) of an SDK error."""
    response = exc.response if isinstance(exc, RequestErrorBase) else None
    status = response.status_code if response is not None else None
    content = getattr(response, "content", None)
    name = str(getattr(content, "error", "") or "")
    message = str(getattr(content, "message", "") or "")
    if isinstance(exc, RateLimitExceededError):
        reset = exc.reset_at
        return (f"rate limited by the network{f' until {reset.isoformat()}' if reset else ''}", status, name)
    if isinstance(exc, InvokeTimeoutError):
        return "the network did not answer in time", status, name
    if isinstance(exc, NetworkError) and response is None:
        return f"the network could not be reached ({exc.__cause__ or exc})", status, name
    return (message or name or str(exc) or type(exc).__name__), status, name


def _channel_error(exc: BaseException) -> ChannelError:
    reason, status, name = _reason(exc)
    return ChannelError(reason, status, auth=isinstance(exc, UnauthorizedError) or name in SESSION_REFUSED)


def _refused_session(exc: BaseException) -> bool:
    if isinstance(exc, LoginRequiredError | InvalidTokenError):  # no session, or one that cannot be read
        return True
    _reason_text, status, name = _reason(exc)
    return isinstance(exc, UnauthorizedError | BadRequestError) and (name in SESSION_REFUSED or status == 401)


@dataclass(frozen=True)
class _Found(Entry):
    item: Any = None
    kind: str = ""


class Atproto(BaseConnector):
    name = "atproto"
    capabilities = frozenset(Capability)

    def __init__(self, settings: Any, transport: httpx.AsyncBaseTransport | None = None,
                 max_pages: int = 10, page_size: int = PAGE_SIZE) -> None:
        self.settings = settings
        self.transport = transport
        self.max_pages = max_pages
        self.page_size = page_size

    # -- signing in and running work ---------------------------------------------------------------------------

    async def _checked(self, url: str, field: str = "service_url") -> str:
        try:
            return await asyncio.to_thread(check_outbound_url, url, self.settings, field)
        except DomainError as exc:
            raise ChannelError(str(exc)) from None

    async def _client(self, service_url: str) -> tuple[AsyncClient, list[str]]:
        """A client for the service, and a list that receives the PDS address of every session it gets."""
        client = AsyncClient(base_url=await self._checked(service_url or DEFAULT_SERVICE),
                             request=_Request(self.transport))
        endpoints: list[str] = []

        def remember(_event: Any, session: Any) -> None:
            endpoints.append(str(getattr(session, "pds_endpoint", "") or ""))

        client.on_session_change(remember)
        return client, endpoints

    async def _sign_in(self, client: AsyncClient, endpoints: list[str], connection: Connection,
                       use_session: bool) -> None:
        if use_session and connection.session:
            try:
                await client.login(session_string=connection.session, fetch_bsky_profile=False)
            except (AtProtocolError, ValueError, IndexError):
                await self._sign_in(client, endpoints, connection, use_session=False)
                return
        elif connection.identifier and connection.secret:
            await client.login(connection.identifier, connection.secret, fetch_bsky_profile=False)
        else:
            raise ChannelError("no credentials stored: connect the account again", auth=True)
        if endpoints and endpoints[-1]:
            await self._checked(endpoints[-1])  # the PDS the sign-in points to must be allowed too

    async def _run(self, connection: Connection, work: Callable[[AsyncClient], Awaitable[R]]) -> R:
        """Sign in (saved session first), do the work, keep the renewed session on the connection."""
        client, endpoints = await self._client(connection.service_url)
        try:
            used_session = bool(connection.session)
            await self._sign_in(client, endpoints, connection, use_session=True)
            try:
                result = await work(client)
            except AtProtocolError as exc:
                if not (used_session and _refused_session(exc)):
                    raise
                await self._sign_in(client, endpoints, connection, use_session=False)
                result = await work(client)
            connection.session = client.export_session_string()
            return result
        except AtProtocolError as exc:
            raise _channel_error(exc) from None
        except httpx.HTTPError as exc:
            raise ChannelError(f"{type(exc).__name__}: {exc}") from None
        finally:
            await client.request.close()

    # -- connecting ----------------------------------------------------------------------------------------------

    async def connect(self, account: SocialAccountLike, credentials: Credentials) -> Connection:
        identifier = (credentials.identifier or account.handle or "").strip().lstrip("@")
        if not identifier or not credentials.secret:
            raise ChannelError("a handle and an app password are needed", auth=True)
        connection = Connection(connector=self.name, service_url=credentials.service_url or DEFAULT_SERVICE,
                                identifier=identifier, secret=credentials.secret, social_account_id=account.id)

        async def whoami(client: AsyncClient) -> models.ComAtprotoServerGetSession.Response:
            return await client.com.atproto.server.get_session()

        me = await self._run(connection, whoami)
        connection.did, connection.handle = me.did, me.handle
        return connection

    # -- posting -------------------------------------------------------------------------------------------------

    def _ref(self, connection: Connection, uri: str, cid: str, key: str) -> PostRef:
        return PostRef(uri=uri, cid=cid, key=key, url=post_url(connection.service_url, connection.handle
                                                                 or connection.did, key))

    async def _find(self, client: AsyncClient, connection: Connection, key: str) -> PostRef | None:
        try:
            found = await client.com.atproto.repo.get_record(models.ComAtprotoRepoGetRecord.Params(
                repo=connection.did, collection=POST_COLLECTION, rkey=key))
        except BadRequestError as exc:
            if _reason(exc)[2] == "RecordNotFound":
                return None
            raise
        return self._ref(connection, found.uri, found.cid or "", key)

    async def find(self, connection: Connection, key: str) -> PostRef | None:
        if not is_key(key):
            return None
        return await self._run(connection, lambda client: self._find(client, connection, key))

    async def publish(self, connection: Connection, draft: PostDraft) -> PostRef:
        if not is_key(draft.key):
            raise ChannelError("the post's key is not a record key (use new_key())")
        if not connection.did:
            raise ChannelError("the connection has no account identity: connect it again", auth=True)

        async def post(client: AsyncClient) -> PostRef:
            record = models.AppBskyFeedPost.Record(
                text=draft.text, created_at=client.get_current_time_iso(),
                reply=await self._reply_ref(client, draft.reply_to) if draft.reply_to else None,
                facets=await self._facets(client, draft) or None, embed=await self._images(client, draft),
                langs=[draft.lang] if draft.lang else None)
            try:
                created = await client.com.atproto.repo.create_record(models.ComAtprotoRepoCreateRecord.Data(
                    repo=connection.did, collection=POST_COLLECTION, rkey=draft.key, record=record))
            except AtProtocolError:
                existing = await self._find(client, connection, draft.key)  # sent before: never post twice
                if existing is not None:
                    return existing
                raise
            return self._ref(connection, created.uri, created.cid, draft.key)

        return await self._run(connection, post)

    async def _did_of(self, client: AsyncClient, repo: str) -> str:
        if repo.startswith("did:"):
            return repo
        return (await client.resolve_handle(repo)).did

    async def _reply_ref(self, client: AsyncClient, parent: PostRef) -> models.AppBskyFeedPost.ReplyRef:
        """The thread a reply goes into: its parent, and the parent's root (or the parent when it starts one)."""
        uri = f"at://{await self._did_of(client, parent.repo)}/{POST_COLLECTION}/{parent.rkey}"
        posts = (await client.get_posts([uri])).posts
        if not posts:
            raise NotOnNetwork("the post to reply to was not found")
        view = posts[0]
        parent_ref = models.ComAtprotoRepoStrongRef.Main(uri=view.uri, cid=view.cid)
        reply = getattr(view.record, "reply", None)
        root = reply.root if reply is not None else parent_ref
        return models.AppBskyFeedPost.ReplyRef(parent=parent_ref, root=root)

    async def _facets(self, client: AsyncClient, draft: PostDraft) -> list[models.AppBskyRichtextFacet.Main]:
        """Links given with the draft, then every bare address, mention and tag the text has, without overlaps."""
        text = draft.text
        facets: list[models.AppBskyRichtextFacet.Main] = []
        taken: list[tuple[int, int]] = []
        for link in draft.links:
            at = text.find(link.text)
            if at < 0 or not link.text:
                continue
            start = len(text[:at].encode())
            end = start + len(link.text.encode())
            facets.append(models.AppBskyRichtextFacet.Main(
                features=[models.AppBskyRichtextFacet.Link(uri=link.url)],
                index=models.AppBskyRichtextFacet.ByteSlice(byte_start=start, byte_end=end)))
            taken.append((start, end))
        for facet in await client.detect_facets(text):
            start, end = facet.index.byte_start, facet.index.byte_end
            if not any(start < t_end and t_start < end for t_start, t_end in taken):
                facets.append(facet)
                taken.append((start, end))
        return sorted(facets, key=lambda f: f.index.byte_start)

    async def _images(self, client: AsyncClient, draft: PostDraft) -> models.AppBskyEmbedImages.Main | None:
        if not draft.images:
            return None
        images = []
        for image in draft.images[:4]:
            blob = (await client.upload_blob(image.data)).blob
            images.append(models.AppBskyEmbedImages.Image(alt=image.alt, image=blob))
        return models.AppBskyEmbedImages.Main(images=images)

    async def delete(self, connection: Connection, ref: PostRef) -> None:
        if ref.repo not in (connection.did, connection.handle) or not ref.rkey:
            raise ChannelError("the post is not this account's")

        async def remove(client: AsyncClient) -> None:
            await client.com.atproto.repo.delete_record(models.ComAtprotoRepoDeleteRecord.Data(
                repo=connection.did, collection=POST_COLLECTION, rkey=ref.rkey))

        await self._run(connection, remove)

    # -- figures -------------------------------------------------------------------------------------------------

    async def interactions(self, connection: Connection, ref: PostRef) -> Interactions:
        async def counts(client: AsyncClient) -> Interactions:
            posts = (await client.get_posts([ref.uri])).posts
            if not posts:
                raise NotOnNetwork("the post was not found")
            view = posts[0]
            return Interactions(likes=view.like_count or 0, reposts=view.repost_count or 0,
                                replies=view.reply_count or 0, quotes=view.quote_count or 0)

        return await self._run(connection, counts)

    async def profile(self, connection: Connection) -> ProfileFigures:
        async def figures(client: AsyncClient) -> ProfileFigures:
            actor = connection.did or connection.handle
            profile = await client.get_profile(actor)
            feed = await client.get_author_feed(actor, filter="posts_with_replies", limit=10)
            own = [item.post for item in feed.feed if item.reason is None]  # a repost is no post of one's own
            last = max((m for p in own if (m := _moment(getattr(p.record, "created_at", None)))), default=None)
            return ProfileFigures(followers=profile.followers_count or 0, follows=profile.follows_count or 0,
                                  posts=profile.posts_count or 0, last_post_at=last)

        return await self._run(connection, figures)

    # -- reading -------------------------------------------------------------------------------------------------

    async def inbound(self, connection: Connection, cursor: str | None) -> tuple[list[InboundItem], str]:
        async def read(client: AsyncClient) -> tuple[list[InboundItem], str]:
            async def page(at: str | None) -> tuple[list[_Found], str | None]:
                answer = await client.app.bsky.notification.list_notifications(
                    models.AppBskyNotificationListNotifications.Params(cursor=at, limit=self.page_size,
                                                                       reasons=list(INBOUND_REASONS)))
                found = [_Found(uri=n.uri, at=_moment(n.indexed_at) or datetime.now(UTC), item=n, kind=n.reason)
                         for n in answer.notifications if n.reason in INBOUND_REASONS]
                return found, answer.cursor

            found, new_cursor = await read_new(page, cursor, self.max_pages)
            return await self._items(client, connection, found), new_cursor

        return await self._run(connection, read)

    async def search(self, connection: Connection, query: str, cursor: str | None
                     ) -> tuple[list[InboundItem], str]:
        if not (query or "").strip():
            raise ChannelError("an empty search")

        async def read(client: AsyncClient) -> tuple[list[InboundItem], str]:
            async def page(at: str | None) -> tuple[list[_Found], str | None]:
                answer = await client.app.bsky.feed.search_posts(models.AppBskyFeedSearchPosts.Params(
                    q=query, sort="latest", cursor=at, limit=self.page_size))
                found = [_Found(uri=p.uri, at=_moment(p.indexed_at) or datetime.now(UTC), item=p, kind="post")
                         for p in answer.posts]
                return found, answer.cursor

            found, new_cursor = await read_new(page, cursor, self.max_pages)
            return await self._items(client, connection, found), new_cursor

        return await self._run(connection, read)

    async def _items(self, client: AsyncClient, connection: Connection, found: list[_Found]) -> list[InboundItem]:
        """Notifications and search hits as items, with their authors' followers (one call per 25 authors)."""
        authors = sorted({f.item.author.did for f in found})
        followers: dict[str, int | None] = {}
        for start in range(0, len(authors), PROFILES_PER_CALL):
            profiles = await client.get_profiles(authors[start:start + PROFILES_PER_CALL])
            followers.update({p.did: p.followers_count for p in profiles.profiles})
        items = []
        for f in found:
            author, record = f.item.author, f.item.record
            name = author.handle if author.handle and author.handle != "handle.invalid" else author.did
            reply = getattr(record, "reply", None)
            rkey = f.uri.rsplit("/", 1)[-1]
            items.append(InboundItem(
                uri=f.uri, url=post_url(connection.service_url, name, rkey), kind=f.kind,
                text=str(getattr(record, "text", "") or ""), created_at=_moment(getattr(record, "created_at", None)),
                author_handle=author.handle or "", author_display_name=author.display_name or "",
                author_did=author.did, author_followers=followers.get(author.did),
                reply_parent_uri=reply.parent.uri if reply is not None else "",
                reply_root_uri=reply.root.uri if reply is not None else "", cid=f.item.cid or "", indexed_at=f.at))
        return items

