import Hummingbird
import NIOCore

/// What a coordinator's routes and middleware know of a request besides the request itself: the
/// framework's core context, and the connection it came on (so that a refused body's connection can be
/// closed).
struct CoordinatorContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The connection the request arrived on.
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
