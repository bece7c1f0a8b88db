"""The JSON-RPC edge: an aiohttp server (HTTP and WebSocket on one port) and the namespaces it
serves (eth, net, web3, txpool, admin, debug; engine lives in ``engine.py``)."""
