"""The events the monitoring plugin emits, declared for the core's event catalogue (`PluginInfo.events`)."""

from __future__ import annotations

from core.plugins.api import EventSpec, PayloadField

EVENTS = (
    EventSpec("mention.received", "ingestion stored new mentions (not duplicates, not re-posts); up to 1,000 "
              "per batch, from the API, a feed, an import or the network", (
                  PayloadField("mention_id", "str", "the mention's id (UUID)"),
                  PayloadField("profile_ids", "list[str]", "ids of the search profiles it matched"),
                  PayloadField("sentiment", "str", "positive, neutral or negative"),
                  PayloadField("score", "float", "the sentiment score, -1 (negative) to 1 (positive)"),
                  PayloadField("language", "str", "ISO 639-1 code, or `und` when unknown"),
                  PayloadField("source_type", "str", "news, blog, forum, microblog, social, review, ..."),
                  PayloadField("author_handle", "str", "the author's handle on the platform (may be empty)"),
                  PayloadField("url", "str", "where it was published (may be empty)"),
                  PayloadField("title", "str", "its title (may be empty)"),
                  PayloadField("published_at", "str", "when it was published (ISO 8601, with offset)"),
                  PayloadField("author_name", "str", "the author's display name (may be empty)"),
                  PayloadField("author_reach", "int", "the author's followers or readers (0 when unknown)"),
                  PayloadField("text", "str", "lead and body, at most 5,000 characters"),
                  PayloadField("uri", "str", "the post's network address (AT Protocol: `at://...`) when it was read "
                               "from a network through a connected account; a reply goes into its thread (else empty)"),
                  PayloadField("parent_uri", "str", "the network address of the post it answers (else empty)"),
                  PayloadField("root_uri", "str", "the network address of the first post of its thread (else empty)"),
                  PayloadField("account_id", "str", "the registered social account whose connection read it (the "
                               "account mentioned or answered; UUID), else empty"))),
    EventSpec("alert.raised", "a search profile's volume or negative share rose far above its baseline "
              "(once per episode)", (
                  PayloadField("alert_id", "str", "the alert's id (UUID)"),
                  PayloadField("profile_id", "str", "the search profile's id (UUID)"),
                  PayloadField("profile", "str", "the search profile's name"),
                  PayloadField("kind", "str", "volume or negative"),
                  PayloadField("observed", "float", "the value observed in the window"),
                  PayloadField("baseline", "float", "the value expected from the baseline"),
                  PayloadField("started_at", "str", "when the episode started (ISO 8601)"),
                  PayloadField("window_start", "str", "the start of the observed window (ISO 8601)"),
                  PayloadField("href", "str", "the alert's page, from the site root"))),
)
