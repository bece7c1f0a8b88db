"""The architecture's import rules, checked on the source with ``ast`` (no new dependency).

- Imports flow down the layers only; the synchronous core (everything up to ``blockchain``)
  never imports ``asyncio`` or an edge (``rpc``, ``p2p``, ``l2``).
- The edges keep to themselves: ``rpc`` and ``p2p`` import nothing of another edge; ``l2``
  may wrap the RPC handlers (``ethrex.rpc.api``, ``.server``, ``.context``, ``.errors``) and
  imports nothing else of ``rpc`` and nothing of ``p2p``. No edge builds frames or drives the
  interpreter (``ethrex.evm.frame``, ``ethrex.evm.vm``): they run transactions and blocks
  through the pipelines of ``ethrex.execution``.
- The stateless prover (``ethrex/l2/prover/``) and the rollup's state transition it shares
  with the sequencer (``ethrex/l2/rollup/``) import only types, trie, state, execution, forks
  and what lies below them, and each other (no storage, no blockchain, no edge).
- ``node.py`` alone wires the edges together: no other module imports two edges.
- No module imports another package's ``_private`` name, or reads one off a module of another
  package (``kzg._setup()``).

Each rule is a function of one module's source, so that the tests below can also show that it
catches a violation.
"""

import ast
from collections.abc import Callable
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "ethrex"

# Lower index = lower layer. A module may import its own layer and the layers below it.
LAYERS = [
    {"primitives", "errors", "progress"},
    {"rlp"},
    {"crypto"},
    {"types"},
    {"forks"},
    {"trie"},
    {"storage"},
    {"state"},
    {"evm"},
    {"execution"},
    {"blockchain"},
    {"rpc", "p2p", "l2"},
    {"node", "cli", "dev", "tester", "fixtures", "__init__", "__main__"},
]
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}
SYNC_CORE = {"primitives", "errors", "rlp", "crypto", "types", "forks", "trie", "storage",
             "state", "evm", "execution", "blockchain"}
EDGES = {"rpc", "p2p", "l2"}
INTERPRETER = {"ethrex.evm.frame", "ethrex.evm.vm"}  # only execution/ drives the EVM
L2_MAY_USE_FROM_RPC = {"ethrex.rpc.api", "ethrex.rpc.server", "ethrex.rpc.context",
                       "ethrex.rpc.errors"}
STATELESS = (("l2", "prover"), ("l2", "rollup"))  # packages the prover may run
PROVER_MAY_IMPORT = {"primitives", "errors", "rlp", "crypto", "types", "forks", "trie", "state",
                     "evm", "execution"}

Module = tuple[str, ...]  # the module's path below ethrex/, without .py: ("rpc", "call")
Rule = Callable[[Module, ast.Module], list[str]]


def _imports(tree: ast.Module) -> list[tuple[str, list[str]]]:
    """``(module, names imported from it)`` for every import statement."""
    out: list[tuple[str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, [alias.name for alias in node.names]))
    return out


def _ethrex_package(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if parts[0] == "ethrex" and len(parts) > 1 else None


def layers_flow_down(module: Module, tree: ast.Module) -> list[str]:
    top = module[0]
    out = []
    for name, _ in _imports(tree):
        target = _ethrex_package(name)
        if target is not None and LAYER_OF.get(target, -1) > LAYER_OF[top]:
            out.append(f"imports {name} (a higher layer)")
        if name.split(".")[0] == "asyncio" and top in SYNC_CORE:
            out.append("imports asyncio (the synchronous core)")
    return out


def edges_keep_to_themselves(module: Module, tree: ast.Module) -> list[str]:
    top = module[0]
    if top not in EDGES:
        return []
    out = []
    for name, _ in _imports(tree):
        if name in INTERPRETER:
            out.append(f"imports {name} (the pipelines of ethrex.execution run the EVM)")
        target = _ethrex_package(name)
        if target is None or target == top or target not in EDGES:
            continue
        allowed = top == "l2" and target == "rpc" and name in L2_MAY_USE_FROM_RPC
        if not allowed:
            out.append(f"imports {name} (another edge's internals)")
    return out


def prover_is_stateless(module: Module, tree: ast.Module) -> list[str]:
    if module[:2] not in STATELESS:
        return []
    out = []
    for name, _ in _imports(tree):
        target = _ethrex_package(name)
        if target is None or name.startswith(("ethrex.l2.prover", "ethrex.l2.rollup")):
            continue
        if target not in PROVER_MAY_IMPORT:
            out.append(f"imports {name} (the prover runs on a witness, not the node)")
    return out


def only_node_wires_edges(module: Module, tree: ast.Module) -> list[str]:
    edges = {_ethrex_package(name) for name, _ in _imports(tree)} & EDGES
    edges.discard(module[0])
    if len(edges) > 1 and module != ("node",):
        return [f"imports the edges {sorted(edges)}: only node.py wires edges together"]
    return []


def no_foreign_private_names(module: Module, tree: ast.Module) -> list[str]:
    top = module[0]
    out = []
    foreign_modules: dict[str, str] = {}  # local name -> the module it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            target = _ethrex_package(node.module)
            if target is None or target == top:
                continue
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    out.append(f"imports {node.module}.{alias.name}")
                foreign_modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                target = _ethrex_package(alias.name)
                if target is not None and target != top and alias.asname:
                    foreign_modules[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in foreign_modules and node.attr.startswith("_")
                and not node.attr.startswith("__")):
            out.append(f"uses {foreign_modules[node.value.id]}.{node.attr}")
    return out


RULES: list[Rule] = [layers_flow_down, edges_keep_to_themselves, prover_is_stateless,
                     only_node_wires_edges, no_foreign_private_names]


def _check(rule: Rule, module: Module, source: str) -> list[str]:
    return rule(module, ast.parse(source))


def _modules() -> list[tuple[Module, Path]]:
    return [(path.relative_to(PACKAGE).with_suffix("").parts, path)
            for path in sorted(PACKAGE.rglob("*.py"))]


def test_every_package_has_a_layer() -> None:
    unknown = {module[0] for module, _ in _modules()} - set(LAYER_OF)
    assert not unknown, f"packages without a layer (add them to LAYERS): {unknown}"


def test_the_source_follows_every_rule() -> None:
    violations = []
    for module, path in _modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        for rule in RULES:
            violations.extend(f"{'/'.join(module)}.py {message}"
                              for message in rule(module, tree))
    assert not violations, "\n".join(violations)


def test_layers_catch_an_upward_import_and_asyncio_in_the_core() -> None:
    assert _check(layers_flow_down, ("execution", "x"), "from ethrex.rpc.call import run_call")
    assert _check(layers_flow_down, ("blockchain", "x"), "import asyncio")
    assert not _check(layers_flow_down, ("rpc", "x"), "import asyncio\nimport ethrex.state")


def test_edges_catch_each_others_internals() -> None:
    assert _check(edges_keep_to_themselves, ("rpc", "x"), "from ethrex.p2p.peers import Peer")
    assert _check(edges_keep_to_themselves, ("p2p", "x"), "import ethrex.rpc.engine")
    assert _check(edges_keep_to_themselves, ("l2", "x"), "from ethrex.rpc.call import run_call")
    assert _check(edges_keep_to_themselves, ("rpc", "x"), "from ethrex.evm.vm import execute")
    assert _check(edges_keep_to_themselves, ("l2", "x"), "from ethrex.evm.frame import Frame")
    assert not _check(edges_keep_to_themselves, ("l2", "x"),
                      "from ethrex.rpc.api import rpc_handlers")


def test_prover_catches_storage_and_the_node() -> None:
    for source in ("from ethrex.storage import Store", "import ethrex.blockchain.blockchain",
                   "from ethrex.rpc.api import rpc_handlers", "from ethrex.l2.store import S"):
        assert _check(prover_is_stateless, ("l2", "prover", "x"), source), source
        assert _check(prover_is_stateless, ("l2", "rollup", "x"), source), source
    assert not _check(prover_is_stateless, ("l2", "prover", "x"),
                      "from ethrex.execution.block import apply_block\n"
                      "from ethrex.state import StateDB\nfrom ethrex.l2.prover.w import W\n"
                      "from ethrex.l2.rollup.batch import execute_batch")


def test_only_node_may_import_two_edges() -> None:
    source = "from ethrex.rpc.api import rpc_handlers\nfrom ethrex.p2p import Peers"
    assert _check(only_node_wires_edges, ("dev",), source)
    assert not _check(only_node_wires_edges, ("node",), source)


def test_foreign_private_names_are_caught() -> None:
    assert _check(no_foreign_private_names, ("rpc", "x"), "from ethrex.evm.vm import _halt")
    assert _check(no_foreign_private_names, ("blockchain", "x"),
                  "from ethrex.crypto import kzg\nkzg._setup()")
    assert not _check(no_foreign_private_names, ("rpc", "x"), "from ethrex.rpc.call import _x")
