import BorgCore
import Testing

/// Typed ids behave as the integers they wrap wherever they are used as keys.
@Suite struct IdentifierTests {
    @Test func idsHashAndCompareAsTheirIntegers() {
        let values: [Int64] = [0, 1, -1, 42, .max, .min, 9_007_199_254_740_993]
        for value in values {
            #expect(TaskID(value).hashValue == value.hashValue)
            var hasher = Hasher()
            TaskID(value).hash(into: &hasher)
            var plain = Hasher()
            plain.combine(value)
            #expect(hasher.finalize() == plain.finalize())
        }
        var seen: [HostID: Int] = [:]
        for (index, value) in values.enumerated() { seen[HostID(value)] = index }
        #expect(seen.count == values.count)
        for (index, value) in values.enumerated() { #expect(seen[HostID(value)] == index) }
        let workUnits = Set(values.map { WorkUnitID($0) })
        #expect(workUnits.count == values.count)
    }
}
