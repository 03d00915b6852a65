"""How the bytes move. Every transport carries the same edXML; `transport_for(peer)` picks the
integration's adapter (one package each, with its transport.py)."""

from __future__ import annotations


def transport_for(peer):
    from qlvb.exchange.models import PeerKind

    if peer.kind in (PeerKind.QLVB, PeerKind.OMS):
        from qlvb.exchange.transports.peer.transport import PeerTransport

        return PeerTransport(peer)
    if peer.kind == PeerKind.VDXP:
        from qlvb.exchange.transports.vdxp.transport import VdxpTransport

        return VdxpTransport(peer)
    from qlvb.exchange.transports.lgsp.transport import LgspTransport

    return LgspTransport(peer)
