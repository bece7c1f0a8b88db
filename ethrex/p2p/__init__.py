"""The devp2p edge: discovery (discv4), the encrypted transport (RLPx), the wire protocols
(eth/68, eth/69, snap/1), the peer set and chain sync.

Like ``ethrex.rpc`` it is asynchronous (asyncio) and sits on top of the synchronous core: the
core never imports it, and it reaches the chain only through public names. Block import and
state writes run on the node's single writer thread (``NodeContext.executor``).
"""
