"""The sequencer's loops, each an asyncio task of the L2 node: the block producer, the L1
watcher, the committer, the proof coordinator and the proof sender. Block building and every
store write run on the node's single executor thread; the loops only wait, talk to L1 and hand
work over."""
