/// Splits the pieces one host is sent or asked for into requests within a host's limits for one request
/// (``PieceServer/batchLimit`` pieces, ``PieceServer/bodyLimit`` bytes).
enum PieceBatches {
    /// `items` in order, cut into runs of at most ``PieceServer/batchLimit`` items and ``PieceServer/bodyLimit``
    /// bytes (`bytes` tells each one's size; a larger one goes alone).
    static func split<Item>(_ items: [Item], bytes: (Item) -> Int) -> [[Item]] {
        var requests: [[Item]] = []
        var size = 0
        for item in items {
            let itemBytes = bytes(item)
            if let last = requests.last, last.count < PieceServer.batchLimit, size + itemBytes <= PieceServer.bodyLimit {
                requests[requests.count - 1].append(item)
                size += itemBytes
            } else {
                requests.append([item])
                size = itemBytes
            }
        }
        return requests
    }
}
