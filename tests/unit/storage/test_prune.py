"""``drop_superseded_nodes``: a group of state changes committed without the states of its
inner steps keeps exactly the nodes of the states it keeps, and every state is either whole
or absent."""

import random

from ethrex import rlp
from ethrex.primitives import EMPTY_HASH, keccak256
from ethrex.storage import GroupedCommits, Store
from ethrex.storage.prune import drop_superseded_nodes
from ethrex.storage.schema import HEADERS, META, META_HEAD, TRIE_NODES
from ethrex.trie import EMPTY_ROOT, Trie
from ethrex.types.account import Account, decode_account, encode_account
from ethrex.types.header import encode_header
from tests.unit.storage.chainmaker import make_block

State = dict[bytes, tuple[int, dict[bytes, int]]]  # address hash -> (balance, slot -> value)


class Recorder(dict[bytes, bytes]):
    """A node store that notes every node a trie reads."""

    def __init__(self, nodes: dict[bytes, bytes]) -> None:
        super().__init__(nodes)
        self.read: set[bytes] = set()

    def get(self, key: bytes, default: object = None) -> bytes | None:  # type: ignore[override]
        self.read.add(key)
        return super().get(key)


def write_changes(store: Store, root: bytes, old: State, new: State) -> bytes:
    """Move the state trie at ``root`` from ``old`` to ``new`` through the store's nodes
    (inside the open write transaction); returns the new root."""
    accounts = Trie(store.nodes, root)
    for key in old.keys() - new.keys():
        accounts.delete(key)
    for key, (balance, slots) in new.items():
        before = old.get(key, (None, {}))[1]
        leaf = accounts.get(key)
        storage_root = EMPTY_ROOT if leaf is None else decode_account(leaf).storage_root
        storage = Trie(store.nodes, storage_root)
        for slot in before.keys() - slots.keys():
            storage.delete(slot)
        for slot, value in slots.items():
            if before.get(slot) != value:
                storage.put(slot, rlp.encode(value))
        accounts.put(key, encode_account(Account(0, balance, storage.root_hash(), EMPTY_HASH)))
    return accounts.root_hash()


def change(rng: random.Random, state: State) -> State:
    """Some balances and slots changed, slots cleared, accounts added and removed."""
    out = {key: (balance, dict(slots)) for key, (balance, slots) in state.items()}
    for key in rng.sample(sorted(out), 6):
        balance, slots = out[key]
        for slot in rng.sample(sorted(slots), min(2, len(slots))):
            slots[slot] = rng.randrange(1 << 64) if rng.random() < 0.7 else 0
        slots[keccak256(rng.randbytes(8))] = rng.randrange(1, 1000)
        out[key] = (balance + 1, {s: v for s, v in slots.items() if v})
    for _ in range(2):
        out[keccak256(rng.randbytes(8))] = (rng.randrange(1, 100), {})
    del out[rng.choice(sorted(out))]
    return out


def genesis(rng: random.Random) -> State:
    return {keccak256(bytes([i])): (i + 1, {keccak256(bytes([i, j])): j + 1
                                           for j in range(rng.randrange(0, 12))})
            for i in range(40)}


def whole_state(nodes: dict[bytes, bytes], root: bytes) -> tuple[State, set[bytes]]:
    """Every account and slot of the state at ``root`` and the nodes read to get them."""
    recorder = Recorder(nodes)
    state: State = {}
    for key, leaf in Trie(recorder, root).items():
        account = decode_account(leaf)
        slots = {slot: rlp.decode_int(rlp.decode(value))
                 for slot, value in Trie(recorder, account.storage_root).items()}
        state[key] = (account.balance, slots)
    if root != EMPTY_ROOT:
        recorder.read.add(root)
    return state, recorder.read


def test_a_group_keeps_exactly_the_nodes_of_its_last_state() -> None:
    rng = random.Random(5)
    states = [genesis(rng)]
    for _ in range(4):
        states.append(change(rng, states[-1]))
    archive, pruned = Store.in_memory(), Store.in_memory()
    roots: dict[str, list[bytes]] = {}
    for name, store in (("archive", archive), ("pruned", pruned)):
        with store.write():
            roots[name] = [write_changes(store, EMPTY_ROOT, {}, states[0])]
        with store.write() as tx:  # one group: four states, the head at the last
            for before, after in zip(states, states[1:]):
                roots[name].append(write_changes(store, roots[name][-1], before, after))
            head = make_block(None, roots[name][-1]).header
            tx.put(HEADERS, head.hash(), encode_header(head))
            tx.put(META, META_HEAD, head.hash())
            if store is pruned:
                dropped = drop_superseded_nodes(tx)
    roots_ = roots["archive"]
    assert roots["pruned"] == roots_
    nodes = dict(pruned.backend.scan(TRIE_NODES))
    everything = dict(archive.backend.scan(TRIE_NODES))
    assert dropped >= len(everything) - len(nodes) > 0  # (a dead rewrite of a stored node too)
    assert nodes.items() <= everything.items()
    # The first and last states are whole; the inner ones are absent, root first.
    first, first_nodes = whole_state(nodes, roots_[0])
    last, last_nodes = whole_state(nodes, roots_[-1])
    assert first == states[0] and last == states[-1]
    assert set(nodes) == first_nodes | last_nodes  # nothing else was kept
    for root in roots_[1:-1]:
        assert not pruned.has_state(root) and archive.has_state(root)


def test_grouped_commits_without_inner_states() -> None:
    """Every committed group keeps its head's state; the states inside a group are gone."""
    rng = random.Random(9)
    store = Store.in_memory()
    states = [genesis(rng)]
    with store.write():
        roots = [write_changes(store, EMPTY_ROOT, {}, states[0])]
    parent = None
    with GroupedCommits(store, max_group=3, share=0.0, keep_inner_states=False) as group:
        for _ in range(7):
            states.append(change(rng, states[-1]))
            with store.write() as tx:
                roots.append(write_changes(store, roots[-1], states[-2], states[-1]))
                parent = make_block(parent.header if parent else None, roots[-1])
                tx.put(HEADERS, parent.hash(), encode_header(parent.header))
                tx.put(META, META_HEAD, parent.hash())
            group.done()
    assert group.dropped > 0
    nodes = dict(store.backend.scan(TRIE_NODES))
    kept = [i for i, root in enumerate(roots) if store.has_state(root)]
    assert kept[0] == 0 and kept[-1] == 7 and len(kept) < len(roots)
    for i in kept:
        assert whole_state(nodes, roots[i])[0] == states[i]
