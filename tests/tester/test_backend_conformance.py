"""eth-tester's backend conformance suite, whole and unmodified, against ``EthrexBackend``
(issue 16: ``BaseTestBackendDirect`` must pass with nothing skipped or deselected by us)."""

import pytest
from eth_tester import EthereumTester
from eth_tester.utils.backend_testing import BaseTestBackendDirect

from ethrex.tester import EthrexBackend


@pytest.fixture
def eth_tester() -> EthereumTester:
    return EthereumTester(backend=EthrexBackend())


class TestEthrexBackendDirect(BaseTestBackendDirect):
    pass
