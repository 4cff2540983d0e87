/// A failure the donor can act on; the message names the flag, file or step to fix.
public struct DonorError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }
}
