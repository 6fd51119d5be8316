"""Posted elsewhere: nothing leaves Regie. A person posted the text on the network by hand and tells where;
publishing records that address (a draft without one is refused)."""

from __future__ import annotations

from core.channels.connector import (
    BaseConnector,
    Capability,
    ChannelError,
    Connection,
    Credentials,
    PostDraft,
    PostRef,
    SocialAccountLike,
)


class PostedElsewhere(BaseConnector):
    name = "posted_elsewhere"
    capabilities = frozenset({Capability.connect, Capability.publish})

    async def connect(self, account: SocialAccountLike, credentials: Credentials) -> Connection:
        """No credentials: the account is simply marked as worked by hand."""
        return Connection(connector=self.name, handle=account.handle, social_account_id=account.id)

    async def publish(self, connection: Connection, draft: PostDraft) -> PostRef:
        if not draft.posted_url:
            raise ChannelError("no address where it was posted")
        return PostRef(url=draft.posted_url, key=draft.key)
