import BorgDonor
import Foundation
import Synchronization

/// A wall clock that a test moves by hand, so that back-offs and polls pass without sleeping.
final class ManualClock: Sendable {
    private let time = Mutex(Date(timeIntervalSince1970: 1_800_000_000))

    /// The clock the donor's pieces read.
    var clock: DonorClock { DonorClock { [self] in time.withLock { $0 } } }

    /// Moves the time forward.
    func advance(by seconds: Double) {
        time.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
