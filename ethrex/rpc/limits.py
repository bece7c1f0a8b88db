"""What one client may cost the node through its RPC ports, in one value: every limit is a
command-line flag (``ethrex.cli``; the field name is the flag's ``dest``) with the default geth
or reth ships, or our own where neither has one (README, "RPC limits").

The servers (``ethrex.rpc.server``) read the transport limits; the handlers read the rest
through ``NodeContext.limits``: the gas cap of every call path, the tracers' output caps and
the subscription caps.
"""

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class RpcLimits:
    """The node's RPC limits (defaults: geth's, else reth's, else ours, as each line says)."""

    gas_cap: int = 50_000_000  # --rpc.gascap (geth): gas of any call, even when it asks more
    evm_timeout: float = 5.0  # --rpc.evmtimeout (geth): seconds of EVM work per call
    evm_workers: int = 2  # --rpc.evm-workers (ours): calls, estimates, simulations at once
    max_tracing_requests: int = 1  # --rpc.max-tracing-requests (reth): traces at once
    request_timeout: float = 30.0  # --rpc.request-timeout (geth's HTTP write timeout): a batch
    max_request_size: int = 5 * MB  # --rpc.max-request-size (geth's 5 MB body limit)
    max_response_size: int = 160 * MB  # --rpc.max-response-size (reth)
    batch_request_limit: int = 1000  # --rpc.batch-request-limit (geth)
    batch_response_max_size: int = 25_000_000  # --rpc.batch-response-max-size (geth)
    max_connections: int = 500  # --rpc.max-connections (reth): open connections, public port
    authrpc_max_connections: int = 64  # --authrpc.max-connections (ours): the Engine API port
    header_timeout: float = 30.0  # --rpc.header-timeout (geth's ReadHeaderTimeout)
    read_timeout: float = 30.0  # --rpc.read-timeout (geth's ReadTimeout): the request body
    idle_timeout: float = 120.0  # --rpc.idle-timeout (geth's IdleTimeout): idle keep-alive
    max_subscriptions_per_connection: int = 1024  # --rpc.max-subscriptions-per-connection (reth)
    max_subscriptions: int = 10_000  # --rpc.max-subscriptions (ours): all connections together
    ws_send_queue_size: int = 16 * MB  # --ws.send-queue-size (ours): unsent bytes per WebSocket
    trace_max_logs: int = 500_000  # --rpc.trace-max-logs (ours): struct logs per trace request
    trace_max_size: int = 64 * MB  # --rpc.trace-max-size (ours): a trace request's output

    @property
    def ws_send_queue_total(self) -> int:
        """Unsent bytes of all a port's WebSockets together: eight clients' worth."""
        return 8 * self.ws_send_queue_size


DEFAULT_LIMITS = RpcLimits()
