"""The ``ethrex`` command line."""

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ethrex`` console script."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["test"]:
        parser = argparse.ArgumentParser(prog="ethrex test", description="Run official fixtures.")
        parser.add_argument("kind", help="rlp, trie, transaction, state or blockchain")
        parser.add_argument("paths", nargs="+", help="fixture files or folders")
        args = parser.parse_args(argv[1:])
        from ethrex.fixtures import main as run_fixtures

        return run_fixtures(args.kind, args.paths)
    parser = argparse.ArgumentParser(prog="ethrex", description="Ethereum execution client.")
    parser.parse_args(argv)
    print("ethrex: the node arrives with the node issue; for now try `ethrex test KIND PATH...`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
