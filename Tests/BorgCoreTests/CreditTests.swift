import Foundation
import Testing
@testable import BorgCore

@Suite struct CreditTests {
    @Test func racConvergesToDailyCreditAndDecaysWithSevenDayHalfLife() {
        var rac = RecentAverageCredit()
        let day = 86_400.0
        for d in 1...200 { rac.add(100, now: Double(d) * day) }
        #expect(abs(rac.value - 100) < 1, "steady 100 credits/day gives RAC ≈ 100, got \(rac.value)")
        let weekLater = rac.decayed(to: 207 * day)
        #expect(abs(weekLater - rac.value / 2) < 0.01)
    }

    @Test func stragglerAndTailRules() {
        let p = StragglerPolicy(lateFactor: 3, minimumSeconds: 30, tailFraction: 0.02, tailCount: 2)
        #expect(!p.isLate(sentAt: 0, expectedSeconds: 20, now: 50))
        #expect(p.isLate(sentAt: 0, expectedSeconds: 20, now: 61))
        #expect(!p.isLate(sentAt: 0, expectedSeconds: nil, now: 10_000))
        #expect(p.isTail(outstanding: 2, total: 10))
        #expect(!p.isTail(outstanding: 3, total: 10))
        #expect(p.isTail(outstanding: 20, total: 1000))
        #expect(!p.isTail(outstanding: 0, total: 1000))
    }

    @Test func turnaroundAverageMovesTowardSamples() {
        var avg: Double? = nil
        avg = HostTurnaround.updated(avg, sample: 10)
        #expect(avg == 10)
        avg = HostTurnaround.updated(avg, sample: 20)
        #expect(avg == 13)
    }
}
