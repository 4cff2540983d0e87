/// A decoded `waitpid` status (the C macros WIFEXITED and friends are not visible to Swift).
package struct WaitStatus: Sendable, Equatable {
    /// The raw status word.
    package let raw: Int32

    package init(_ raw: Int32) { self.raw = raw }

    /// The exit code if the process exited normally.
    package var exitCode: Int32? { raw & 0x7f == 0 ? (raw >> 8) & 0xff : nil }

    /// The signal that terminated the process, if one did.
    package var signal: Int32? {
        let low = raw & 0x7f
        return low != 0 && low != 0x7f ? low : nil
    }
}
