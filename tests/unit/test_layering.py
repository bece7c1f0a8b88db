"""Imports flow down the architecture only, and the synchronous core never imports asyncio."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "ethrex"

# Lower index = lower layer. A module may import its own layer and the layers below it.
LAYERS = [
    {"primitives", "errors"},
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
    {"node", "cli", "fixtures", "__init__", "__main__"},
]
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}
SYNC_CORE = {"rlp", "crypto", "types", "forks", "trie", "storage", "state", "evm", "execution",
             "blockchain"}


def _top(module_path: Path) -> str:
    parts = module_path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_imports_flow_down() -> None:
    violations = []
    for path in PACKAGE.rglob("*.py"):
        top = _top(path)
        assert top in LAYER_OF, f"{path}: package {top!r} has no layer; add it to LAYERS"
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "ethrex" and len(parts) > 1:
                target = parts[1]
                assert target in LAYER_OF, f"{path}: imports unknown package ethrex.{target}"
                if LAYER_OF[target] > LAYER_OF[top]:
                    violations.append(f"{path.relative_to(PACKAGE)} imports {name}")
            if parts[0] == "asyncio" and top in SYNC_CORE:
                violations.append(f"{path.relative_to(PACKAGE)} imports asyncio")
    assert not violations, "\n".join(violations)
