import Foundation

/// Where the donor's pieces read the wall-clock time: ``system`` in the daemon, a clock moved by hand
/// in tests, so that back-offs, heartbeats and polls can be checked without sleeping.
public struct DonorClock: Sendable {
    private let read: @Sendable () -> Date

    /// A clock that reads the time from `read`.
    public init(_ read: @escaping @Sendable () -> Date) {
        self.read = read
    }

    /// The machine's clock.
    public static let system = DonorClock { Date() }

    /// The time now.
    public var now: Date { read() }
}
