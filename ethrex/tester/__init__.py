"""eth-tester's chain backend on ethrex (``pip install ethrex[tester]``).

``EthereumTester(backend=EthrexBackend())``, or for web3.py's ``EthereumTesterProvider()``
the environment variable ``ETHEREUM_TESTER_CHAIN_BACKEND=ethrex.tester.EthrexBackend``.
"""

from ethrex.tester.backend import EthrexBackend

__all__ = ["EthrexBackend"]
