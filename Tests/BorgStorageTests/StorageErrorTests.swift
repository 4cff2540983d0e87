import BorgStorage
import Testing

struct StorageErrorTests {
    @Test func descriptionsSayWhatIsWrongAndWhatToDo() {
        #expect(StorageError.tooFewPieces(have: 3, need: 4).description.contains("have 3, need 4"))
        #expect(StorageError.notEnoughHosts(have: 5, need: 6).description.contains("add storage hosts"))
        #expect(StorageError.expiredOrder.description.contains("new order"))
        #expect(StorageError.forgedOrder.description.contains("new order"))
        #expect(StorageError.malformedCap("not a read-cap").description == "not a read-cap")
    }
}
