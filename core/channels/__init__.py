"""Channel connectors: how anything outward leaves Regie and how a network's replies come back (docs/channels.md).

`connector.py` is the interface every connector speaks (typed records and the `ChannelConnector` protocol);
`atproto.py`, `webhook.py` and `elsewhere.py` are the connectors, `registry.py` picks one by name and
`watermark.py` is the cursor that reads a network's lists once. `models.py` keeps a social account's connection
(credentials sealed); `service.py` connects, disconnects and opens a connection for work; `routes.py` is the
page on the account registry; `jobs.py` reads every connected profile daily.
"""
