"""RLPx: the authenticated, encrypted TCP transport of devp2p (ECIES handshake, framing)."""
