import NIOCore

/// One end of a splice between two channels on the same event loop: what one end reads, the other writes; when
/// either channel closes or fails, both close; an end whose partner cannot take more stops reading. Bytes read
/// before the ends are joined are kept and written once they are.
final class SpliceHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var context: ChannelHandlerContext?
    private var partner: SpliceHandler?
    private var early: [ByteBuffer] = []
    private var readWaitsForPartner = false

    /// Joins two ends (on their event loop); if either channel is closed already, closes the other.
    static func join(_ one: SpliceHandler, _ other: SpliceHandler) {
        one.partner = other
        other.partner = one
        for (end, to) in [(one, other), (other, one)] {
            guard end.context?.channel.isActive == true else {
                to.closeFromPartner()
                continue
            }
            for bytes in end.early { to.writeFromPartner(bytes) }
            end.early = []
            to.context?.flush()
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        if let partner {
            partner.writeFromPartner(bytes)
        } else {
            early.append(bytes)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.context?.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.closeFromPartner()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.partnerBecameWritable() }
        context.fireChannelWritabilityChanged()
    }

    /// Reads only while the partner can take what is read.
    func read(context: ChannelHandlerContext) {
        if let partner, partner.context?.channel.isWritable == false {
            readWaitsForPartner = true
        } else {
            context.read()
        }
    }

    private func writeFromPartner(_ bytes: ByteBuffer) {
        context?.write(wrapOutboundOut(bytes), promise: nil)
    }

    private func closeFromPartner() {
        context?.close(promise: nil)
    }

    private func partnerBecameWritable() {
        guard readWaitsForPartner else { return }
        readWaitsForPartner = false
        context?.read()
    }
}
