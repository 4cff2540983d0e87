import Synchronization
@_spi(Fuzzing) import WasmKit

/// WasmKit resource limiter that caps a guest's linear memory and remembers whether it ever
/// refused a request and how large the memory grew. (`Store.resourceLimiter` is SPI in
/// WasmKit 0.4.2; it is the runtime's own memory limit, and unlike an address-space rlimit it
/// leaves WasmKit's multi-GiB guard reservations alone.)
final class MemoryCap: ResourceLimiter {
    private struct State {
        var refused = false
        var peakBytes = 0
    }

    /// The most linear memory the guest may have, in bytes; nil for no cap.
    let limit: UInt64?
    private let state = Mutex(State())

    init(limit: UInt64?) {
        self.limit = limit
    }

    /// Whether a memory request was refused.
    var refused: Bool { state.withLock { $0.refused } }

    /// The largest linear memory granted, in bytes.
    var peakBytes: Int { state.withLock { $0.peakBytes } }

    func limitMemoryGrowth(to desired: Int) throws -> Bool {
        state.withLock { state in
            if let limit, UInt64(desired) > limit {
                state.refused = true
                return false
            }
            state.peakBytes = max(state.peakBytes, desired)
            return true
        }
    }
}
