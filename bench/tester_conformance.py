"""eth-tester's backend conformance suite against the backend ``BENCH_TESTER_BACKEND`` names
(``ethrex`` or ``pyevm``): the module ``bench.tester_suite`` runs with pytest and times."""

import os

import pytest
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.utils.backend_testing import BaseTestBackendDirect

from ethrex.tester import EthrexBackend

BACKENDS = {"ethrex": EthrexBackend, "pyevm": PyEVMBackend}


@pytest.fixture
def eth_tester() -> EthereumTester:
    return EthereumTester(backend=BACKENDS[os.environ["BENCH_TESTER_BACKEND"]]())


class TestBackendDirect(BaseTestBackendDirect):
    pass
